import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ROOT_CA_CONFIG_MAP, ROOT_CA_CONFIG_MAP_KEY } from '../../api/serviceaccount/token-claims.js';
import type { ObjectOf } from '../../machinery/resources/index.js';

type ConfigMapObject = ObjectOf<ConfigMap>;

/** The annotation Kubernetes' root CA publisher puts on every kube-root-ca.crt. */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** What a namespace's kube-root-ca.crt needs: nothing, a create, or an update of the one there. */
export type RootCaAction = { kind: 'create' | 'update'; configMap: ConfigMapObject };

/**
 * Kubernetes' rootcacertpublisher sync, as a pure plan: a missing ConfigMap is created with the CA
 * under `ca.crt`; one whose data is not exactly that, or that lacks the description annotation, is
 * updated (other annotations and labels kept, other keys dropped). Undefined: nothing to do.
 * `existing` is never mutated.
 */
export function planRootCaConfigMap(
  namespace: string,
  existing: ConfigMapObject | undefined,
  caPem: string,
): RootCaAction | undefined {
  const data = { [ROOT_CA_CONFIG_MAP_KEY]: caPem };
  if (!existing)
    return {
      kind: 'create',
      configMap: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIG_MAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data,
      },
    };
  const current = existing.data ?? {};
  const sameData = Object.keys(current).length === 1 && current[ROOT_CA_CONFIG_MAP_KEY] === caPem;
  const annotated = existing.metadata?.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION;
  if (sameData && annotated && existing.binaryData === undefined) return undefined;
  const configMap = structuredClone(existing);
  configMap.metadata = {
    ...configMap.metadata,
    annotations: { ...configMap.metadata?.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION },
  };
  configMap.data = data;
  delete configMap.binaryData;
  return { kind: 'update', configMap };
}
