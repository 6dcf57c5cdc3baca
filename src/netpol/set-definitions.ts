import { createHash } from 'node:crypto';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { NetworkPolicyPeer } from 'kubernetes-types/networking/v1.js';
import { selectorMatches } from '../api/validation/label-selector.js';
import { containerPort, type PolicyPod } from './policy-pod.js';

/**
 * What the named nft sets hold. A set's name depends only on its definition (never on its
 * members), so a chain's rule text does not change when pods join or leave a set.
 */

/** A short stable hash used in set and chain names. */
export function short(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/** Labels of a namespace as selectors see them: `kubernetes.io/metadata.name` always present (also when the object is unknown). */
export function namespaceLabels(name: string, ns?: Namespace): Record<string, string> {
  return { ...(ns?.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

/** A set of pod IPs: a podSelector peer (pods of `namespace`), a namespaceSelector peer, or both (AND). */
export interface PeerSetDef {
  name: string;
  /** The policy's namespace, when the peer has no namespaceSelector. */
  namespace?: string;
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
}

/** The set of a podSelector / namespaceSelector peer of a policy in `policyNs`. Pure. */
export function peerSetDef(policyNs: string, peer: NetworkPolicyPeer): PeerSetDef {
  const ns = peer.namespaceSelector ? undefined : policyNs;
  const name = `peers-${short(JSON.stringify({ ns, nsSel: peer.namespaceSelector, podSel: peer.podSelector }))}`;
  return { name, namespace: ns, namespaceSelector: peer.namespaceSelector, podSelector: peer.podSelector };
}

/** Whether the set's definition takes pods of namespace `ns` (labels: as namespaceLabels gives them). */
export function peerSetTakesNamespace(def: PeerSetDef, ns: string, labels: Record<string, string>): boolean {
  return def.namespaceSelector ? selectorMatches(def.namespaceSelector, labels) : def.namespace === ns;
}

/** Whether the pod is a member of the set. */
export function peerSetHasPod(
  def: PeerSetDef,
  p: PolicyPod,
  labelsOfNamespace: (ns: string) => Record<string, string>,
): boolean {
  if (
    def.namespaceSelector
      ? !selectorMatches(def.namespaceSelector, labelsOfNamespace(p.namespace))
      : def.namespace !== p.namespace
  )
    return false;
  return !def.podSelector || selectorMatches(def.podSelector, p.pod.metadata?.labels);
}

/** A set of `ip . port` of every pod having a container port with this name and protocol (egress to a named port). */
export interface PortSetDef {
  name: string;
  portName: string;
  protocol: string;
}

export function portSetDef(portName: string, protocol: string): PortSetDef {
  return { name: `port-${protocol}-${short(`${protocol}/${portName}`)}`, portName, protocol };
}

/** The pod's element of the set (`ip . port`), undefined when it has no such port. */
export function portSetElement(def: PortSetDef, p: PolicyPod): string | undefined {
  const port = containerPort(p.pod, def.portName, def.protocol);
  return port === undefined ? undefined : `${p.ip} . ${port}`;
}
