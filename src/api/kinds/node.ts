import type { Node } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum } from '../validation/field.js';
import { isQualifiedName } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/**
 * Node annotation naming the agent's data dir (an absolute path). The agent sets it on its Node;
 * the local-path provisioner puts a claim's volume in `<it>/storage/<pvc-uid>`.
 */
export const ANN_NODE_DATA_DIR = 'flotilla.dev/data-dir';

/** ROLES cell: from `node-role.kubernetes.io/<role>` labels and `kubernetes.io/role`, sorted, `<none>` when none. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

/** STATUS cell: Ready / NotReady / Unknown, plus SchedulingDisabled when cordoned. */
export function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

const address = (node: Node, type: string): string =>
  (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';

function validateTaints(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    errs.push(...isQualifiedName(t.key ?? '').map((m) => fieldErrors.invalid(`${p}.key`, t.key, m)));
    errs.push(...validateEnum(`${p}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    const k = `${t.key}:${t.effect}`;
    if (seen.has(k)) errs.push(fieldErrors.duplicate(`${p}`, `taints must be unique by key and effect pair`));
    seen.add(k);
  });
  return errs;
}

/** core/v1 Node: allocatable defaults to capacity; printer as `kubectl get nodes`. */
export const nodeStrategy = defineKind<Node>({
  namespaced: false,
  defaults(node) {
    const st = node.status as { capacity?: Record<string, string>; allocatable?: Record<string, string> } | undefined;
    if (st?.capacity && !st.allocatable) st.allocatable = { ...st.capacity };
  },
  validate: validateTaints,
  validateUpdate(node, old) {
    const errs: FieldError[] = [];
    const oldCIDRs = old.spec?.podCIDRs ?? [];
    if (oldCIDRs.length > 0 && JSON.stringify(node.spec?.podCIDRs ?? []) !== JSON.stringify(oldCIDRs)) {
      errs.push(fieldErrors.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    }
    if (old.spec?.providerID && node.spec?.providerID !== old.spec.providerID) {
      errs.push(
        fieldErrors.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'),
      );
    }
    return errs;
  },
  columns: [
    nameColumn(),
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', 'List of addresses reachable to the node.', true),
    col('External-IP', 'string', 'List of addresses reachable to the node.', true),
    col(
      'OS-Image',
      'string',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      true,
    ),
    col(
      'Kernel-Version',
      'string',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      true,
    ),
    col(
      'Container-Runtime',
      'string',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      true,
    ),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo;
    return [
      nameOf(node),
      nodeStatus(node),
      nodeRoles(node),
      ageOf(node, now),
      info?.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
  selectableFields: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable ?? false) }),
});
