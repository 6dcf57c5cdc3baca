import type { PodSpec, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { ApiError } from '../../api/errors.js';
import type { AdmissionPlugin } from './plugin.js';
import {
  DEFAULT_SERVICE_ACCOUNT_NAME,
  enforcesMountableSecrets,
  MIRROR_POD_ANNOTATION,
  mirrorPodError,
  mountServiceAccountToken,
  secretReferenceError,
  shouldAutomount,
} from './service-account-pod.js';

/**
 * Where the plugin reads ServiceAccounts: `cached` answers from the watch cache at once (main
 * thread, per create), `fresh` after the cache has caught up with the store (a ServiceAccount
 * written a moment ago); undefined = not found.
 */
export interface ServiceAccountSource {
  cached(namespace: string, name: string): ServiceAccount | undefined;
  fresh(namespace: string, name: string): Promise<ServiceAccount | undefined>;
}

/** How the lookup waits for the controller-made `default` ServiceAccount (Kubernetes: 10 tries, 100-200 ms apart). */
export interface LookupRetry {
  attempts: number;
  intervalMs: () => number;
}

const DEFAULT_RETRY: LookupRetry = { attempts: 10, intervalMs: () => 100 + Math.floor(Math.random() * 100) };

/** What a write worker assumed: the pod's ServiceAccount exists and is plain where the pod relied on it. */
interface Assumed {
  namespace: string;
  name: string;
  /** The pod left automountServiceAccountToken to the ServiceAccount (assumed not false). */
  automount: boolean;
  /** The pod had no imagePullSecrets (assumed the ServiceAccount has none to copy). */
  pullSecrets: boolean;
}

type PodObject = KubeObject & { spec?: PodSpec };

/**
 * Kubernetes' ServiceAccount admission plugin, for pod creates:
 *   - serviceAccountName defaults to `default`;
 *   - a ServiceAccount that does not exist is a 403 (the `default` one is waited for ~1-2 s, as
 *     the serviceaccount controller makes it right after the namespace);
 *   - unless automountServiceAccountToken (the pod's, else the ServiceAccount's) is false, every
 *     container mounts the `kube-api-access-<suffix>` projected volume (token, ca.crt, namespace);
 *   - a pod without imagePullSecrets gets the ServiceAccount's;
 *   - with the ServiceAccount's enforce-mountable-secrets annotation, only its secrets may be used;
 *   - mirror pods are not changed, only checked (no ServiceAccount, secret or token references).
 * Not pure (reads ServiceAccounts); in a write worker it assumes a plain ServiceAccount (exists, no
 * automount opinion, no pull secrets, no enforcement), which the main thread checks before commit.
 */
export function serviceAccountAdmission(
  source: ServiceAccountSource | undefined,
  suffix: () => string,
  retry: LookupRetry = DEFAULT_RETRY,
): AdmissionPlugin {
  const lookup = async (namespace: string, name: string): Promise<ServiceAccount | undefined> => {
    if (!source) throw new Error('ServiceAccount admission needs the server state (it never runs in a write worker)');
    const hit = source.cached(namespace, name);
    if (hit) return hit;
    const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? retry.attempts : 1;
    const interval = retry.intervalMs();
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, interval));
      const sa = await source.fresh(namespace, name);
      if (sa) return sa;
    }
    return undefined;
  };
  return {
    name: 'ServiceAccount',
    kind: 'mutating',
    pure: false,
    handles: (rt, operation) => operation === 'create' && rt.group === '' && rt.kind === 'Pod',
    async admit(_operation, _rt, obj) {
      const pod = obj as PodObject;
      const spec = (pod.spec ??= {} as PodSpec);
      if (isMirrorPod(pod)) return checkMirrorPod(pod, spec);
      const s = spec as { serviceAccountName?: string };
      s.serviceAccountName ||= DEFAULT_SERVICE_ACCOUNT_NAME;
      const namespace = pod.metadata.namespace ?? '';
      const sa = await lookup(namespace, s.serviceAccountName);
      if (!sa)
        throw forbidden(
          pod,
          `error looking up service account ${namespace}/${s.serviceAccountName}: serviceaccount "${s.serviceAccountName}" not found`,
        );
      admitWith(pod, spec, sa, suffix);
    },
    inWorker: {
      admit(_operation, _rt, obj) {
        const pod = obj as PodObject;
        const spec = (pod.spec ??= {} as PodSpec);
        if (isMirrorPod(pod)) return checkMirrorPod(pod, spec);
        const s = spec as { serviceAccountName?: string };
        s.serviceAccountName ||= DEFAULT_SERVICE_ACCOUNT_NAME;
        const assumed: Assumed = {
          namespace: pod.metadata.namespace ?? '',
          name: s.serviceAccountName,
          automount: spec.automountServiceAccountToken === undefined,
          pullSecrets: !spec.imagePullSecrets?.length,
        };
        admitWith(pod, spec, { metadata: { name: assumed.name } }, suffix);
        return assumed;
      },
      holds(facts) {
        const a = facts as Assumed;
        const sa = source?.cached(a.namespace, a.name);
        if (!sa || enforcesMountableSecrets(sa)) return false;
        if (a.automount && sa.automountServiceAccountToken === false) return false;
        return !(a.pullSecrets && sa.imagePullSecrets?.length);
      },
    },
  };
}

/** The mutation and validation once the ServiceAccount is known (Admit, then Validate, as Kubernetes runs them). */
function admitWith(pod: PodObject, spec: PodSpec, sa: ServiceAccount, suffix: () => string): void {
  if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec, suffix);
  if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
    (spec as { imagePullSecrets?: PodSpec['imagePullSecrets'] }).imagePullSecrets = sa.imagePullSecrets.map((r) => ({
      name: r.name,
    }));
  }
  if (enforcesMountableSecrets(sa)) {
    const problem = secretReferenceError(sa, spec);
    if (problem) throw forbidden(pod, problem);
  }
}

function isMirrorPod(pod: PodObject): boolean {
  return pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

function checkMirrorPod(pod: PodObject, spec: PodSpec): undefined {
  const problem = mirrorPodError(spec);
  if (problem) throw forbidden(pod, problem);
  return undefined;
}

/**
 * admission.NewForbidden's 403: `pods "<name>" is forbidden: <reason>`. Kubernetes admits before a
 * name is generated and then names the pod by its generateName; here the name is already made, so
 * a name that is generateName plus a 5-character suffix is shown as the generateName.
 */
function forbidden(pod: PodObject, reason: string): Error {
  const m = pod.metadata;
  const prefix = m.generateName?.slice(0, 58);
  const name = m.name ?? '';
  const shown = prefix && name.length === prefix.length + 5 && name.startsWith(prefix) ? m.generateName : name;
  const shownName = shown || 'Unknown';
  return new ApiError(403, 'Forbidden', `pods "${shownName}" is forbidden: ${reason}`, {
    name: shownName,
    group: '',
    kind: 'pods',
  });
}
