import type { KubeObject } from '../../api/object.js';
import type { AdmissionPlugin } from './plugin.js';

type Toleration = { key?: string; operator?: string; effect?: string; tolerationSeconds?: number };

export interface DefaultTolerationSeconds {
  /** tolerationSeconds added for node.kubernetes.io/not-ready:NoExecute. */
  notReady: number;
  /** tolerationSeconds added for node.kubernetes.io/unreachable:NoExecute. */
  unreachable: number;
}

/**
 * Kubernetes' DefaultTolerationSeconds admission: a new pod that does not tolerate the not-ready
 * and unreachable NoExecute taints gets tolerations for them with these seconds, so its eviction
 * from a dead node waits that long. Kubernetes' default is 300 s; Flotilla's is short (see
 * DEFAULT_TOLERATION_SECONDS), so that a replacement runs within seconds of a node dying.
 */
export function addDefaultTolerations(pod: KubeObject, seconds: DefaultTolerationSeconds): void {
  const spec = (pod.spec ??= {}) as { tolerations?: Toleration[] };
  const tolerations = spec.tolerations ?? [];
  const tolerates = (key: string): boolean =>
    tolerations.some(
      (t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'),
    );
  const add: Toleration[] = [];
  if (!tolerates('node.kubernetes.io/not-ready'))
    add.push({
      key: 'node.kubernetes.io/not-ready',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: seconds.notReady,
    });
  if (!tolerates('node.kubernetes.io/unreachable'))
    add.push({
      key: 'node.kubernetes.io/unreachable',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: seconds.unreachable,
    });
  if (add.length > 0) spec.tolerations = [...tolerations, ...add];
}

/** The cluster default: a node's pods are evicted 5 s after the node is seen dead. */
export const DEFAULT_TOLERATION_SECONDS: DefaultTolerationSeconds = { notReady: 5, unreachable: 5 };

/** The DefaultTolerationSeconds admission plugin (new pods). Pure. */
export function defaultTolerationSecondsPlugin(seconds: DefaultTolerationSeconds): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    kind: 'mutating',
    pure: true,
    handles: (rt, operation) => operation === 'create' && rt.group === '' && rt.kind === 'Pod',
    admit: (_operation, _rt, pod) => addDefaultTolerations(pod, seconds),
  };
}
