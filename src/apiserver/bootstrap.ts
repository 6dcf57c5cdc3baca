import type { RestContext, ResourceCall } from './rest/rest-context.js';
import type { KubeObject } from '../api/object.js';
import { findResourceTypeByKind } from '../api/resource-types.js';
import { getStrategy } from '../api/kinds/index.js';
import { createObject } from './rest/create-object.js';
import { ApiError } from '../api/errors.js';
import {
  DEFAULT_INGRESS_CLASS_ANNOTATION,
  FLOTILLA_INGRESS_CLASS,
  FLOTILLA_INGRESS_CONTROLLER,
} from '../api/kinds/ingress-class.js';
import {
  FLOTILLA_GATEWAY_CLASS,
  FLOTILLA_GATEWAY_CONTROLLER,
  GATEWAY_GROUP,
  gatewayApiCrds,
} from '../api/gateway/index.js';
import { CLUSTER_DNS_IP, KUBERNETES_SERVICE_IP } from '../machinery/net/cluster-network.js';

const SYSTEM = { name: 'system:apiserver', groups: ['system:masters'] };

/** Objects every cluster has: the four system namespaces, the `kubernetes` and `kube-system/kube-dns` Services the default StorageClass `local-path` and the default IngressClass `flotilla`. Idempotent. */
export async function bootstrapObjects(ctx: RestContext): Promise<void> {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await ensure(ctx, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  await ensure(ctx, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: KUBERNETES_SERVICE_IP,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      sessionAffinity: 'None',
    },
  });
  // Cluster DNS: no selector; every node agent serves it (the proxy DNATs it to the node's own DNS server).
  await ensure(ctx, 'kube-system', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: CLUSTER_DNS_IP,
      sessionAffinity: 'None',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  });
  await ensure(ctx, '', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'flotilla.dev/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  // The built-in L7 data plane's class (src/ingress on every node), default for Ingresses without a class.
  await ensure(ctx, '', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: FLOTILLA_INGRESS_CLASS, annotations: { [DEFAULT_INGRESS_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: FLOTILLA_INGRESS_CONTROLLER },
  });
}

/**
 * The Gateway API standard channel's CustomResourceDefinitions (src/api/gateway/crds.ts), stored
 * before the CRD registrar starts so they are served from the first request. Idempotent (an
 * existing definition, possibly changed by an administrator, is left as it is).
 */
export async function bootstrapGatewayApiCrds(ctx: RestContext): Promise<void> {
  for (const crd of gatewayApiCrds()) await ensure(ctx, '', crd as unknown as KubeObject);
}

/**
 * The GatewayClass `flotilla` (controller flotilla.dev/gateway-controller): created once the CRD
 * registrar serves gatewayclasses; nothing when the type is not served (CRD removed). Idempotent.
 */
export async function bootstrapGatewayClass(ctx: RestContext): Promise<void> {
  if (!findResourceTypeByKind(GATEWAY_GROUP, 'v1', 'GatewayClass')) return;
  await ensure(ctx, '', {
    apiVersion: `${GATEWAY_GROUP}/v1`,
    kind: 'GatewayClass',
    metadata: { name: FLOTILLA_GATEWAY_CLASS },
    spec: { controllerName: FLOTILLA_GATEWAY_CONTROLLER, description: 'Flotilla node proxy (HAProxy)' },
  });
}

/**
 * The `default` ServiceAccount of the four system namespaces, as the serviceaccount controller makes
 * them: written by the server itself so that pods created right after start (before the elected
 * controllers run) pass ServiceAccount admission. Idempotent.
 */
export async function bootstrapServiceAccounts(ctx: RestContext): Promise<void> {
  for (const namespace of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    await ensure(ctx, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
}

async function ensure(ctx: RestContext, namespace: string, obj: KubeObject): Promise<void> {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const rt = findResourceTypeByKind(group, version, obj.kind);
  if (!rt) throw new Error(`bootstrap: unknown kind ${obj.kind}`);
  if (
    ctx.cache.get(
      rt.namespaced
        ? `${rt.storagePrefix}${namespace}/${obj.metadata.name}`
        : `${rt.storagePrefix}${obj.metadata.name}`,
    )
  )
    return;
  const call: ResourceCall = {
    rt,
    strategy: getStrategy(rt.group, rt.kind),
    namespace,
    name: '',
    query: new URLSearchParams(),
    user: SYSTEM,
  };
  try {
    await createObject(ctx, call, obj, {
      dryRun: false,
      fieldManager: 'flotilla-apiserver',
      fieldValidation: 'Strict',
    });
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
  }
}
