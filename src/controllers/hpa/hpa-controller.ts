/**
 * HorizontalPodAutoscaler controller (autoscaling/v2; pkg/controller/podautoscaler/horizontal.go):
 *
 *   HPA informer --> queue --> reconcile(key), at most once per sync period (15 s) unless the spec changed
 *     scale subresource of the target (Deployment, ReplicaSet, StatefulSet, any kind serving /scale)
 *     --> per metric: PodMetrics (metrics.k8s.io) + selected pods --> replica-calculator
 *     --> normalize (stabilization window, policies, min/max) --> patch /scale, SuccessfulRescale event
 *     --> status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime, conditions)
 *
 * Only Resource and ContainerResource metrics are served (no custom or external metrics API):
 * Pods/Object/External metrics are invalid metrics with a FailedGet<Type>Metric condition.
 * Recommendations and scale events live in memory per HPA, as in kube-controller-manager.
 */
import type { Logger } from 'pino';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { RESOURCE_TYPES } from '../../api/resource-types.js';
import { formatLabelSelector, parseLabelSelector, type LabelSelector } from '../../api/selectors/index.js';
import { parseQuantity } from '../../api/validation/quantity.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ResourceRef } from '../../machinery/client/resource-path.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import type { EventRecorder } from '../../machinery/events/event-recorder.js';
import { setCondition } from './hpa-conditions.js';
import { formatMilliQuantity, podMetricValues, type PodMetricsObject } from './metric-values.js';
import { normalizeDesiredReplicas, type Recommendation, type ScaleEvent } from './normalize.js';
import { DEFAULT_CALC_SETTINGS, MetricError, resourceReplicas, type PodMetric } from './replica-calculator.js';
import { HPAS } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export const POD_METRICS: ResourceRef = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  plural: 'pods',
  namespaced: true,
};

type HpaObject = KubeObject & HorizontalPodAutoscaler;
type PodObject = KubeObject & Pod;

export interface HpaSettings {
  /** How often each HPA is evaluated (default 15 s, --horizontal-pod-autoscaler-sync-period). */
  syncPeriodMs: number;
  /** Scale-down stabilization when behavior does not set one (default 5 min). */
  downscaleWindowMs: number;
  tolerance: number;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
}

export const DEFAULT_HPA_SETTINGS: HpaSettings = {
  syncPeriodMs: 15_000,
  downscaleWindowMs: 300_000,
  ...DEFAULT_CALC_SETTINGS,
};

export interface HpaControllerOptions {
  client: KubeClient;
  hpas: Informer<ObjectOf<HorizontalPodAutoscaler>>;
  pods: Informer<ObjectOf<Pod>>;
  recorder: EventRecorder;
  log: Logger;
  settings?: Partial<HpaSettings>;
  now?: () => number;
}

interface HpaState {
  recommendations: Recommendation[];
  up: ScaleEvent[];
  down: ScaleEvent[];
  lastSyncMs?: number;
  generation?: number;
}

interface Scale {
  replicas: number;
  selector: string;
}

/** The resource of a scaleTargetRef: the served type of that group and kind with a scale subresource. */
export function scaleTargetType(ref: { apiVersion?: string; kind: string }): ResourceType | undefined {
  const [group, version] = (ref.apiVersion ?? '').includes('/')
    ? (ref.apiVersion ?? '').split('/')
    : ['', ref.apiVersion ?? ''];
  const matches = RESOURCE_TYPES.filter(
    (rt) => rt.kind === ref.kind && rt.group === group && rt.subresources.includes('scale'),
  );
  return matches.find((rt) => rt.version === version) ?? matches[0];
}

/** A Scale (or, from a fake client, the scaled object itself) as replicas + selector string. Pure. */
export function readScale(obj: KubeObject): Scale {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: Parameters<typeof formatLabelSelector>[0] };
  if (obj.kind === 'Scale')
    return {
      replicas: spec.replicas ?? 0,
      selector: (obj.status as { selector?: string } | undefined)?.selector ?? '',
    };
  return { replicas: spec.replicas ?? 1, selector: formatLabelSelector(spec.selector) };
}

export class HpaController {
  private readonly state = new Map<string, HpaState>();
  private readonly s: HpaSettings;
  private readonly now: () => number;

  constructor(private readonly o: HpaControllerOptions) {
    this.s = { ...DEFAULT_HPA_SETTINGS, ...o.settings };
    this.now = o.now ?? Date.now;
  }

  reconcile = async (key: ObjectKey): Promise<ReconcileResult | void> => {
    const id = `${key.namespace}/${key.name}`;
    const cached = this.o.hpas.get(key.namespace, key.name);
    if (!cached) {
      this.state.delete(id);
      return;
    }
    const now = this.now();
    let st = this.state.get(id);
    if (!st) this.state.set(id, (st = { recommendations: [], up: [], down: [] }));
    const generation = cached.metadata.generation;
    // One evaluation per sync period (Kubernetes' fixed-interval queue); a spec change is seen at once.
    if (st.lastSyncMs !== undefined && now - st.lastSyncMs < this.s.syncPeriodMs && st.generation === generation) {
      return { requeueAfterMs: this.s.syncPeriodMs - (now - st.lastSyncMs) };
    }
    st.lastSyncMs = now;
    st.generation = generation;
    try {
      await this.sync(structuredClone(cached), st, now);
    } catch (err) {
      st.lastSyncMs = undefined; // retried with backoff, not held to the period
      throw err;
    }
    return { requeueAfterMs: this.s.syncPeriodMs };
  };

  private async sync(hpa: HpaObject, st: HpaState, nowMs: number): Promise<void> {
    const ns = hpa.metadata.namespace ?? '';
    const spec = hpa.spec;
    if (!spec) return;
    const before = JSON.stringify(hpa.status ?? {});
    const nowIso = new Date(nowMs).toISOString();
    const conditions = structuredClone(hpa.status?.conditions ?? []);
    const cond = (
      type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited',
      status: 'True' | 'False',
      reason: string,
      message: string,
    ) => setCondition(conditions, type, status, reason, message, nowIso);
    const ref = spec.scaleTargetRef;
    const reference = `${ref.kind}/${ref.name}`;
    const rt = scaleTargetType(ref);

    let scale: Scale;
    let scaleObject: KubeObject | undefined;
    try {
      if (!rt)
        throw new Error(
          `no matches for kind "${ref.kind}" in group "${(ref.apiVersion ?? '').split('/').slice(0, -1).join('/')}"`,
        );
      scaleObject = await this.o.client.get(rt, ns, ref.name, { subresource: 'scale' });
      scale = readScale(scaleObject);
    } catch (err) {
      const msg = errorMessage(err);
      this.o.recorder.event(hpa, 'Warning', 'FailedGetScale', msg);
      cond(
        'AbleToScale',
        'False',
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${msg}`,
      );
      await this.writeStatus(hpa, before, {
        ...hpa.status,
        currentReplicas: hpa.status?.currentReplicas ?? 0,
        desiredReplicas: hpa.status?.desiredReplicas ?? 0,
        conditions,
      });
      return;
    }
    cond('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current = scale.replicas;
    if (st.recommendations.length === 0) st.recommendations.push({ replicas: current, atMs: nowMs });
    const min = spec.minReplicas ?? 1;
    let desired = 0;
    let reason = '';
    let rescale = true;
    let metricStatuses: MetricStatus[] | undefined;

    if (current === 0 && min !== 0) {
      rescale = false;
      cond(
        'ScalingActive',
        'False',
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
    } else if (current > spec.maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = spec.maxReplicas;
    } else if (current < min) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = min;
    } else {
      const r = await this.computeReplicasForMetrics(hpa, scale, spec.metrics ?? [], cond, nowMs);
      metricStatuses = r.statuses;
      if (r.replicas === -1) {
        await this.writeStatus(hpa, before, {
          ...hpa.status,
          currentReplicas: current,
          desiredReplicas: hpa.status?.desiredReplicas ?? 0,
          currentMetrics: metricStatuses,
          conditions,
        });
        this.o.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', r.error ?? 'failed to compute replicas');
        this.o.log.info(
          { hpa: `${ns}/${hpa.metadata.name}`, err: r.error },
          `failed to compute desired number of replicas based on listed metrics for ${reference}`,
        );
        return;
      }
      let rescaleMetric = '';
      if (r.replicas > desired) {
        desired = r.replicas;
        rescaleMetric = r.metric;
      }
      if (desired > current) reason = `${rescaleMetric} above target`;
      if (desired < current) reason = 'All metrics below target';
      const n = normalizeDesiredReplicas({
        current,
        desired,
        min,
        max: spec.maxReplicas,
        behavior: spec.behavior,
        downscaleWindowMs: this.s.downscaleWindowMs,
        recommendations: st.recommendations,
        scaleUpEvents: st.up,
        scaleDownEvents: st.down,
        nowMs,
      });
      st.recommendations = n.recommendations;
      cond('AbleToScale', n.ableToScale.status, n.ableToScale.reason, n.ableToScale.message);
      cond('ScalingLimited', n.scalingLimited.status, n.scalingLimited.reason, n.scalingLimited.message);
      desired = n.replicas;
      rescale = desired !== current;
    }

    if (rescale && rt && scaleObject) {
      try {
        // An update of the Scale read above, as Kubernetes' HPA writes it (its role may update */scale, not patch it).
        await this.o.client.update(
          rt,
          ns,
          { ...scaleObject, spec: { ...(scaleObject.spec as object), replicas: desired } },
          { subresource: 'scale' },
        );
      } catch (err) {
        const msg = errorMessage(err);
        this.o.recorder.event(
          hpa,
          'Warning',
          'FailedRescale',
          `New size: ${desired}; reason: ${reason}; error: ${msg}`,
        );
        cond(
          'AbleToScale',
          'False',
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${msg}`,
        );
        await this.writeStatus(hpa, before, {
          ...hpa.status,
          currentReplicas: current,
          desiredReplicas: hpa.status?.desiredReplicas ?? 0,
          currentMetrics: metricStatuses,
          conditions,
        });
        return;
      }
      cond(
        'AbleToScale',
        'True',
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${desired}`,
      );
      this.o.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      this.o.log.info({ hpa: `${ns}/${hpa.metadata.name}`, from: current, to: desired, reason }, 'rescaled');
      if (spec.behavior) this.storeScaleEvent(st, current, desired, nowMs);
    } else {
      desired = current;
    }
    await this.writeStatus(hpa, before, {
      ...(hpa.metadata.generation !== undefined ? { observedGeneration: hpa.metadata.generation } : {}),
      currentReplicas: current,
      desiredReplicas: desired,
      ...(metricStatuses ? { currentMetrics: metricStatuses } : {}),
      ...(rescale
        ? { lastScaleTime: nowIso }
        : hpa.status?.lastScaleTime
          ? { lastScaleTime: hpa.status.lastScaleTime }
          : {}),
      conditions,
    });
  }

  private storeScaleEvent(st: HpaState, from: number, to: number, nowMs: number): void {
    const keep = (e: ScaleEvent) => nowMs - e.atMs < 3_600_000; // periodSeconds is at most 1800
    if (to > from) st.up = [...st.up.filter(keep), { change: to - from, atMs: nowMs }];
    else st.down = [...st.down.filter(keep), { change: from - to, atMs: nowMs }];
  }

  /** computeReplicasForMetrics: the highest proposal of the valid metrics, or -1 with the first error's condition set. */
  private async computeReplicasForMetrics(
    hpa: HpaObject,
    scale: Scale,
    metrics: MetricSpec[],
    cond: (type: 'ScalingActive', status: 'True' | 'False', reason: string, message: string) => void,
    nowMs: number,
  ): Promise<{ replicas: number; metric: string; statuses: MetricStatus[]; error?: string }> {
    const ns = hpa.metadata.namespace ?? '';
    let selector: LabelSelector;
    try {
      if (!scale.selector) throw new Error('selector is required');
      selector = parseLabelSelector(scale.selector);
    } catch (err) {
      const msg = errorMessage(err);
      this.o.recorder.event(hpa, 'Warning', scale.selector ? 'InvalidSelector' : 'SelectorRequired', msg);
      cond(
        'ScalingActive',
        'False',
        'InvalidSelector',
        `the HPA target's scale is missing a selector or has an invalid one: ${msg}`,
      );
      return { replicas: -1, metric: '', statuses: [], error: msg };
    }
    const pods = this.o.pods.list(ns).filter((p) => selector.matches(p.metadata.labels));
    let podMetrics: PodMetricsObject[] | undefined;
    const fetchMetrics = async (): Promise<PodMetricsObject[]> => {
      podMetrics ??= (
        await this.o.client.list<KubeObject & PodMetricsObject>(POD_METRICS, ns, { labelSelector: scale.selector })
      ).items;
      return podMetrics;
    };
    const statuses: MetricStatus[] = [];
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let first: { reason: string; message: string; error: string } | undefined;
    for (const m of metrics) {
      try {
        const r = await this.replicasForMetric(m, scale.replicas, pods, fetchMetrics, nowMs);
        statuses.push(r.status);
        if (replicas === 0 || r.replicas > replicas) {
          replicas = r.replicas;
          metric = r.metric;
        }
      } catch (err) {
        const e = err as Error & { reason?: string };
        const reason = e.reason ?? 'FailedGetResourceMetric';
        statuses.push(emptyStatus(m));
        this.o.recorder.event(hpa, 'Warning', reason, e.message);
        if (!first)
          first = {
            reason,
            message: `the HPA was unable to compute the replica count: ${e.message}`,
            error: `${metricLabel(m)}: ${e.message}`,
          };
        invalid++;
      }
    }
    if (first && (invalid >= metrics.length || replicas < scale.replicas)) {
      cond('ScalingActive', 'False', first.reason, first.message);
      return {
        replicas: -1,
        metric: '',
        statuses,
        error: `invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${first.error}`,
      };
    }
    cond(
      'ScalingActive',
      'True',
      'ValidMetricFound',
      `the HPA was able to successfully calculate a replica count from ${metric}`,
    );
    return { replicas, metric, statuses };
  }

  private async replicasForMetric(
    m: MetricSpec,
    specReplicas: number,
    pods: PodObject[],
    fetchMetrics: () => Promise<PodMetricsObject[]>,
    nowMs: number,
  ): Promise<{ replicas: number; metric: string; status: MetricStatus }> {
    const src = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
    if (!src) {
      const kind =
        m.type === 'Pods'
          ? 'PodsMetric'
          : m.type === 'Object'
            ? 'ObjectMetric'
            : m.type === 'External'
              ? 'ExternalMetric'
              : undefined;
      if (!kind)
        throw Object.assign(new Error(`unknown metric source type "${m.type}"`), { reason: 'InvalidMetricSourceType' });
      throw Object.assign(
        new Error(
          `unable to get metric: the ${m.type === 'External' ? 'external' : 'custom'} metrics API is not served by Flotilla`,
        ),
        { reason: `FailedGet${kind}` },
      );
    }
    const name = src.name;
    const container = m.type === 'ContainerResource' ? m.containerResource?.container : undefined;
    const reason = m.type === 'ContainerResource' ? 'FailedGetContainerResourceMetric' : 'FailedGetResourceMetric';
    const t = src.target;
    const avg = t.averageValue !== undefined ? parseQuantity(t.averageValue) : undefined;
    const what = avg !== undefined ? 'usage' : 'utilization';
    try {
      if (avg === undefined && t.averageUtilization === undefined) {
        throw new MetricError(
          'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set',
        );
      }
      let raw: PodMetricsObject[];
      try {
        raw = await fetchMetrics();
      } catch (err) {
        throw new MetricError(
          `unable to get metrics for resource ${name}: unable to fetch metrics from resource metrics API: ${errorMessage(err)}`,
        );
      }
      const names = new Set(pods.map((p) => p.metadata.name ?? ''));
      const values = new Map<string, PodMetric>(
        [...podMetricValues(raw, name, container)].filter(([n]) => names.has(n)),
      );
      const selectedPods = container
        ? pods.map((p) => ({
            ...p,
            spec: { ...p.spec, containers: (p.spec?.containers ?? []).filter((c) => c.name === container) },
          }))
        : pods;
      const settings = {
        tolerance: this.s.tolerance,
        cpuInitializationPeriodMs: this.s.cpuInitializationPeriodMs,
        delayOfInitialReadinessStatusMs: this.s.delayOfInitialReadinessStatusMs,
        nowMs,
      };
      if (avg !== undefined) {
        const p = resourceReplicas(
          specReplicas,
          { averageValue: Math.round(avg * 1000) },
          name,
          selectedPods,
          values,
          settings,
        );
        const current = { averageValue: formatMilliQuantity(p.rawAverage) };
        return {
          replicas: p.replicas,
          metric: container ? `${name} container resource` : `${name} resource`,
          status:
            m.type === 'ContainerResource'
              ? { type: m.type, containerResource: { name, container: container ?? '', current } }
              : { type: 'Resource', resource: { name, current } },
        };
      }
      const p = resourceReplicas(
        specReplicas,
        { utilization: t.averageUtilization ?? 0 },
        name,
        selectedPods,
        values,
        settings,
      );
      const current = { averageUtilization: p.utilization ?? 0, averageValue: formatMilliQuantity(p.rawAverage) };
      return {
        replicas: p.replicas,
        metric: container
          ? `${name} container resource utilization (percentage of request)`
          : `${name} resource utilization (percentage of request)`,
        status:
          m.type === 'ContainerResource'
            ? { type: m.type, containerResource: { name, container: container ?? '', current } }
            : { type: 'Resource', resource: { name, current } },
      };
    } catch (err) {
      throw Object.assign(new Error(`failed to get ${name} ${what}: ${errorMessage(err)}`), { reason });
    }
  }

  /** UpdateStatus when the status changed (updateStatusIfNeeded); a conflict throws (retried). */
  private async writeStatus(hpa: HpaObject, before: string, status: HorizontalPodAutoscaler['status']): Promise<void> {
    if (JSON.stringify(status) === before) return;
    await this.o.client.updateStatus(HPAS, hpa.metadata.namespace ?? '', { ...hpa, status });
  }
}

/** A failed metric's place in currentMetrics (kubectl shows `<unknown>` for it). */
function emptyStatus(m: MetricSpec): MetricStatus {
  if (m.type === 'Resource' && m.resource)
    return { type: 'Resource', resource: { name: m.resource.name, current: {} } };
  if (m.type === 'ContainerResource' && m.containerResource)
    return {
      type: 'ContainerResource',
      containerResource: { name: m.containerResource.name, container: m.containerResource.container, current: {} },
    };
  return { type: m.type };
}

function metricLabel(m: MetricSpec): string {
  const name =
    m.resource?.name ??
    m.containerResource?.name ??
    m.pods?.metric.name ??
    m.object?.metric.name ??
    m.external?.metric.name ??
    m.type;
  return m.type === 'Resource'
    ? `failed to get ${name} resource metric value`
    : `failed to get ${m.type} metric ${name}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
