import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { WatchCache } from '../watch-cache.js';
import type { Store } from '../../store/store.js';
import { allocateServiceAddresses, DEFAULT_SERVICE_RANGES, type ServiceRanges } from './service-allocation.js';
import {
  DEFAULT_TOLERATION_SECONDS,
  defaultTolerationSecondsPlugin,
  type DefaultTolerationSeconds,
} from './default-toleration-seconds.js';
import { storageObjectInUseProtection } from './storage-object-in-use-protection.js';
import { defaultIngressClassPlugin } from './default-ingress-class.js';
import { limitRangerMutating, limitRangerValidating } from './limit-ranger.js';
import { resourceQuotaPlugin } from './resource-quota.js';
import { serviceAccountAdmission, type ServiceAccountSource } from './service-account.js';
import { findResourceType } from '../../api/resource-types.js';
import { storageKey } from '../rest/storage-key.js';
import { randomNameSuffix } from '../rest/object-lifecycle.js';
import { certificateSigningRequestAdmission } from './certificate-signing-request.js';
import { AdmissionChain, type AdmissionPlugin } from './plugin.js';
import {
  DEFAULT_POD_SECURITY,
  LABEL_PREFIX as POD_SECURITY_LABEL_PREFIX,
  podSecurityAdmission,
  type PodSecuritySettings,
} from './pod-security/index.js';
import { NEWEST_CHECK_VERSION } from './pod-security/evaluator.js';
import { validatingAdmissionPolicyPlugin } from './validating-admission-policy/plugin.js';
import {
  mutatingWebhookAdmission,
  validatingWebhookAdmission,
  type WebhookDeps,
} from './webhooks/webhook-admission.js';
export { WebhookMetrics } from './webhooks/webhook-metrics.js';

export {
  AdmissionChain,
  type AdmissionPlugin,
  type AdmissionOperation,
  type AdmissionNotes,
  type AdmissionRequest,
  anonymousRequest,
  annotate,
  newAdmissionNotes,
} from './plugin.js';
import { nodeRestriction, type NodeRestrictionLookup } from './node-restriction.js';
import type { Node } from 'kubernetes-types/core/v1.js';
export { DEFAULT_TOLERATION_SECONDS, type DefaultTolerationSeconds };

/** Settings of the built-in plugins: plain data, so write workers get the same (workerData). */
export interface AdmissionOptions {
  serviceRanges?: ServiceRanges;
  defaultTolerationSeconds?: DefaultTolerationSeconds;
  /**
   * PodSecurity: cluster defaults and exemptions (default: privileged everywhere, no exemptions,
   * Kubernetes' own default) and the newest policy version the server knows (its Kubernetes minor;
   * default the newest version any check changed in).
   */
  podSecurity?: { settings?: PodSecuritySettings; maxVersion?: number };
  /** Kubernetes' ServiceAccount plugin (needs the serviceaccount controller to make `default`). Default off. */
  serviceAccount?: boolean;
  /** NodeRestriction on (the server turns it on with the Node authorizer, as kubeadm pairs them). */
  nodeRestriction?: boolean;
}

/** The server state impure plugins read: the watch cache, and the store (ResourceQuota writes status.used). */
export interface AdmissionState {
  cache: WatchCache;
  store: Store;
  /** Admission webhooks: their metrics, and who hears of calls that failed open (the server's log). */
  webhooks?: Pick<WebhookDeps, 'metrics' | 'onFailOpen'>;
}

/**
 * The server's built-in admission chain. The main thread passes its state; write workers pass none
 * and build the very same chain, of which they only run the pure plugins and the worker variants
 * of the others (see AdmissionChain.runsInWorker).
 */
export function builtInAdmission(options: AdmissionOptions, state: AdmissionState | undefined): AdmissionChain {
  const serviceAccount = options.serviceAccount
    ? [serviceAccountAdmission(state && serviceAccountSource(state), randomNameSuffix)]
    : [];
  return new AdmissionChain(
    [
      serviceAddressAllocation(options.serviceRanges ?? DEFAULT_SERVICE_RANGES, state?.cache),
      limitRangerMutating(state?.cache),
      ...serviceAccount,
      defaultTolerationSecondsPlugin(options.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS),
      storageObjectInUseProtection,
      defaultIngressClassPlugin(state?.cache),
      ...podSecurityAdmission(
        {
          settings: options.podSecurity?.settings ?? DEFAULT_POD_SECURITY,
          maxVersion: options.podSecurity?.maxVersion ?? NEWEST_CHECK_VERSION,
        },
        state && {
          namespaceLabels: (name) => namespaceLabels(state.cache, state.store, name),
          pods: (namespace) => state.cache.list('/registry/core/pods/', namespace).map((o) => o.object() as Pod),
          anyNamespaceLabelled: namespacesLabelled(state.cache),
        },
      ),
      ...(options.nodeRestriction ? [nodeRestriction(state && cacheLookup(state.cache))] : []),
      certificateSigningRequestAdmission,
      limitRangerValidating(state?.cache),
      // Kubernetes' order: MutatingAdmissionWebhook after every built-in mutating plugin (the chain
      // runs mutating plugins first, in list order), then ValidatingAdmissionPolicy, then
      // ValidatingAdmissionWebhook, then ResourceQuota.
      mutatingWebhookAdmission(state && { ...state.webhooks, cache: state.cache }),
      validatingAdmissionPolicyPlugin(state?.cache),
      validatingWebhookAdmission(state && { ...state.webhooks, cache: state.cache }),
      // Keep ResourceQuota the last plugin: it charges the quota, so nothing after it may refuse.
      resourceQuotaPlugin(state),
    ],
    state ? 'main' : 'worker',
  );
}

/** NodeRestriction's reads, from the watch cache. */
function cacheLookup(cache: WatchCache): NodeRestrictionLookup {
  return {
    node: (name) => cache.get(`/registry/core/nodes/${name}`)?.object() as Node | undefined,
    pod: (namespace, name) => cache.get(`/registry/core/pods/${namespace}/${name}`)?.object() as Pod | undefined,
  };
}

/** Service cluster IP and node port allocation: reads the addresses in use from the watch cache (not pure). */
function serviceAddressAllocation(ranges: ServiceRanges, cache: WatchCache | undefined): AdmissionPlugin {
  return {
    name: 'ServiceAddressAllocation',
    kind: 'mutating',
    pure: false,
    handles: (rt, operation) => operation !== 'delete' && rt.group === '' && rt.kind === 'Service',
    admit(operation, _rt, svc, old) {
      if (!cache) throw new Error('service address allocation needs the watch cache (it never runs in a write worker)');
      allocateServiceAddresses(cache, ranges, svc, operation === 'update' ? old : undefined);
    },
  };
}

/** Whether any namespace carries a pod-security.kubernetes.io/ label; recomputed only when the cache's revision moved. */
function namespacesLabelled(cache: WatchCache): () => boolean {
  let at = -1;
  let answer = false;
  return () => {
    if (cache.revision === at) return answer;
    at = cache.revision;
    answer = cache
      .list('/registry/core/namespaces/', '')
      .some((ns) => Object.keys(ns.labels).some((k) => k.startsWith(POD_SECURITY_LABEL_PREFIX)));
    return answer;
  };
}

/** A namespace's labels from the cache, else (a namespace created a moment ago) from the store; undefined when it does not exist. */
function namespaceLabels(
  cache: WatchCache,
  store: Pick<Store, 'get'> | undefined,
  name: string,
): Record<string, string> | undefined | Promise<Record<string, string> | undefined> {
  const cached = cache.get(`/registry/core/namespaces/${name}`);
  if (cached || !store) return cached?.labels;
  return store.get(`/registry/core/namespaces/${name}`).then((v) => {
    if (!v) return undefined;
    const ns = JSON.parse(Buffer.from(v.value).toString('utf8')) as { metadata?: { labels?: Record<string, string> } };
    return ns.metadata?.labels ?? {};
  });
}

/** ServiceAccounts from the watch cache; `fresh` waits until the cache has seen the store's latest revision. */
function serviceAccountSource({ cache, store }: AdmissionState): ServiceAccountSource {
  const rt = findResourceType('', 'v1', 'serviceaccounts');
  if (!rt) throw new Error('serviceaccounts is not a built-in resource');
  const cached = (namespace: string, name: string): ServiceAccount | undefined =>
    cache.get(storageKey(rt, namespace, name))?.object() as ServiceAccount | undefined;
  return {
    cached,
    async fresh(namespace, name) {
      await cache.waitFor(await store.currentRevision(), 1000);
      return cached(namespace, name);
    },
  };
}
