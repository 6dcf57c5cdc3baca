import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import type { KindStrategy } from '../kind-strategy.js';
import type { KubeObject } from '../object.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/metadata.js';
import { deepEqual } from '../validation/field.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { translateTimestampSince } from './duration.js';
import { defaultPodOnly, defaultPodSpec } from './pod-defaults.js';
import { podQOSClass } from './pod-qos.js';
import { summarizePod } from './pod-row.js';
import { validatePodSpec } from './pod-validation.js';

const asPod = (obj: KubeObject): Pod => obj as unknown as Pod;

const UPDATABLE_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** Pod spec update rule: only images, activeDeadlineSeconds, added tolerations, removed scheduling gates may change. */
function validatePodSpecUpdate(pod: Pod, old: Pod): FieldError[] {
  const next = structuredClone(pod.spec ?? { containers: [] });
  const prev = old.spec ?? { containers: [] };
  next.containers = (next.containers ?? []).map((c, i) => ({ ...c, image: prev.containers?.[i]?.image }));
  if (next.initContainers)
    next.initContainers = next.initContainers.map((c, i) => ({ ...c, image: prev.initContainers?.[i]?.image }));
  next.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  const prevTolerations = prev.tolerations ?? [];
  if (prevTolerations.every((t) => (next.tolerations ?? []).some((n) => deepEqual(n, t))))
    next.tolerations = prev.tolerations;
  if ((prev.terminationGracePeriodSeconds ?? 0) < 0 && next.terminationGracePeriodSeconds === 1)
    next.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  if ((next.schedulingGates ?? []).every((g) => (prev.schedulingGates ?? []).some((p) => p.name === g.name)))
    next.schedulingGates = prev.schedulingGates;
  if (!prev.nodeName && next.nodeName) next.nodeName = prev.nodeName;
  next.ephemeralContainers = prev.ephemeralContainers;
  if (deepEqual(next, prev)) return [];
  const changed = Object.keys({ ...next, ...prev }).filter(
    (k) => !deepEqual((next as unknown as Record<string, unknown>)[k], (prev as unknown as Record<string, unknown>)[k]),
  );
  return [
    fieldErrors.forbidden(
      'spec',
      `pod updates may not change fields other than ${UPDATABLE_FIELDS.join(',')}\n  changed: ${changed.map((k) => `spec.${k}`).join(', ')}`,
    ),
  ];
}

/** Pods: defaults (spec, pod-only admission defaults, status Pending + QoS), validation, printer, field selectors. */
export const podStrategy: KindStrategy = {
  applyDefaults(obj) {
    const pod = asPod(obj);
    pod.spec ??= { containers: [] };
    defaultPodSpec(pod.spec);
    defaultPodOnly(pod.spec);
    const status: PodStatus = (obj.status as PodStatus | undefined) ?? {};
    status.phase ??= 'Pending';
    status.qosClass ??= podQOSClass(pod.spec);
    obj.status = status;
  },
  validate(obj, old) {
    const pod = asPod(obj);
    const rules = { namespaced: true };
    const errs = old
      ? validateObjectMetaUpdate(obj.metadata, old.metadata, rules)
      : validateObjectMeta(obj.metadata, rules);
    errs.push(...validatePodSpec(pod.spec, 'spec'));
    if (old) errs.push(...validatePodSpecUpdate(pod, asPod(old)));
    return errs;
  },
  validateStatus(obj, old) {
    const errs = validateObjectMetaUpdate(obj.metadata, old.metadata, { namespaced: true });
    const phase = asPod(obj).status?.phase;
    const oldPhase = asPod(old).status?.phase;
    if ((oldPhase === 'Succeeded' || oldPhase === 'Failed') && phase !== oldPhase) {
      errs.push(
        fieldErrors.forbidden('status.phase', `cannot transition from terminal phase ${oldPhase} to ${phase ?? ''}`),
      );
    }
    return errs;
  },
  table: {
    columns: [
      nameColumn(),
      col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'string',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      ageColumn(),
      col('IP', 'string', 'podIP is the IP address allocated to the pod.', true),
      col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', true),
      col(
        'Nominated Node',
        'string',
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
        true,
      ),
      col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', true),
    ],
    row(obj, now) {
      const pod = asPod(obj);
      const s = summarizePod(pod, now);
      const gates = pod.spec?.readinessGates ?? [];
      const conds = pod.status?.conditions ?? [];
      const gatesCell =
        gates.length === 0
          ? '<none>'
          : `${gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length}/${gates.length}`;
      return [
        obj.metadata.name ?? '',
        s.ready,
        s.status,
        s.restarts,
        translateTimestampSince(obj.metadata.creationTimestamp, now),
        pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>',
        pod.spec?.nodeName || '<none>',
        pod.status?.nominatedNodeName || '<none>',
        gatesCell,
      ];
    },
  },
  selectableFields(obj) {
    const pod = asPod(obj);
    return {
      'spec.nodeName': pod.spec?.nodeName ?? '',
      'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
      'spec.schedulerName': pod.spec?.schedulerName ?? '',
      'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
      'status.phase': pod.status?.phase ?? '',
      'status.podIP': pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '',
      'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
    };
  },
};
