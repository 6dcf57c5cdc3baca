import type { Logger } from 'pino';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Informer } from '../../machinery/client/informer.js';
import { isConflict, isNotFound } from '../../machinery/client/client-error.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ReconcileResult } from '../../machinery/controller/controller.js';
import { controllerRefTo } from '../replicaset/controller-ref.js';
import { desiredEndpointGroups, isHeadless, ZONE_LABEL } from './pod-endpoints.js';
import { canonical, planSlices, type SliceContent } from './slice-plan.js';
import { ServiceMembership } from './service-membership.js';
import { isNamespaceTerminating } from './namespace-terminating.js';
import { ENDPOINT_SLICES } from '../../machinery/resources/well-known.js';
import type { ObjectOf } from '../../machinery/resources/resource.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

type SliceObject = KubeObject & EndpointSlice;
type ServiceObject = KubeObject & Service;

export interface EndpointSliceControllerOptions {
  client: KubeClient;
  services: Informer<ObjectOf<Service>>;
  pods: Informer<ObjectOf<Pod>>;
  slices: Informer<ObjectOf<EndpointSlice>>;
  /** Nodes (metadata is enough): the zone label of an endpoint's node. Optional. */
  nodes?: Informer;
  log: Logger;
  maxEndpointsPerSlice?: number;
}

/**
 * Kubernetes' EndpointSlice controller (discovery.k8s.io/v1, IPv4): for every Service with a
 * selector, slices labelled with the service name and this controller as manager, owned by the
 * Service, holding an endpoint per selected pod with an IP (ready / serving / terminating,
 * nodeName, zone, hostname, targetRef) and the ports its targetPorts resolve to on those pods;
 * at most 100 endpoints per slice; updates change as few slices as possible. ExternalName Services
 * lose their slices; a Service without selector is left alone; a deleted Service's slices go with
 * the garbage collector (they are owned).
 */
export class EndpointSliceController {
  readonly membership = new ServiceMembership();

  constructor(private readonly opts: EndpointSliceControllerOptions) {}

  /** Level-triggered sync of one Service's slices. Idempotent; throws to retry. */
  reconcile = async ({ namespace, name }: ObjectKey): Promise<ReconcileResult | void> => {
    const svc = this.opts.services.get(namespace, name);
    const managed = this.managedSlices(namespace, name);
    if (!svc || svc.metadata.deletionTimestamp) {
      this.membership.forget(namespace, name);
      return;
    }
    if (svc.spec?.type === 'ExternalName') {
      this.membership.forget(namespace, name);
      for (const s of managed) await this.deleteSlice(s);
      return;
    }
    if (!svc.spec?.selector) return;
    const pods = this.opts.pods.list(namespace);
    const desired = desiredEndpointGroups(
      svc,
      pods,
      (node) => this.opts.nodes?.get('', node)?.metadata.labels?.[ZONE_LABEL],
    );
    this.membership.set(
      namespace,
      name,
      [...desired.values()].flatMap((g) => g.endpoints.map((e) => e.targetRef?.name ?? '')),
    );
    const labels = sliceLabels(svc);
    const plan = planSlices(
      managed,
      desired,
      (s) => canonical(s.metadata.labels ?? {}) !== canonical(labels) || !ownedBy(s, svc),
      this.opts.maxEndpointsPerSlice,
    );
    for (const content of plan.create) {
      try {
        await this.opts.client.create(ENDPOINT_SLICES, namespace, newSlice(svc, labels, content));
      } catch (err) {
        if (isNamespaceTerminating(err)) return;
        throw err;
      }
    }
    for (const { slice, content } of plan.update) {
      const body: SliceObject = {
        ...structuredClone(slice),
        metadata: { ...structuredClone(slice.metadata), labels, ownerReferences: [controllerRefTo(svc)] },
        ports: content.ports,
        endpoints: content.endpoints,
      };
      try {
        await this.opts.client.update(ENDPOINT_SLICES, namespace, body);
      } catch (err) {
        if (isNotFound(err) || isConflict(err))
          throw new Error(`endpointslice ${slice.metadata.name ?? ''} changed meanwhile; resyncing`);
        throw err;
      }
    }
    for (const s of plan.delete) await this.deleteSlice(s);
  };

  /** Service keys for a pod event: Services selecting it now, and those that listed it last time. */
  keysForPod = (pod: KubeObject): ObjectKey[] => {
    const ns = pod.metadata.namespace ?? '';
    const names = new Set(this.membership.servicesOf(ns, pod.metadata.name ?? ''));
    for (const s of this.opts.services.list(ns)) {
      const sel = s.spec?.selector;
      if (sel && Object.entries(sel).every(([k, v]) => pod.metadata.labels?.[k] === v))
        names.add(s.metadata.name ?? '');
    }
    return [...names].map((name) => ({ namespace: ns, name }));
  };

  /** The owning Service's key for a slice event (managed slices only). */
  keysForSlice = (slice: KubeObject): ObjectKey[] => {
    const labels = slice.metadata.labels ?? {};
    const svc = labels[SERVICE_NAME_LABEL];
    return svc && labels[MANAGED_BY_LABEL] === CONTROLLER_NAME
      ? [{ namespace: slice.metadata.namespace ?? '', name: svc }]
      : [];
  };

  private managedSlices(namespace: string, service: string): SliceObject[] {
    return this.opts.slices.list(namespace).filter((s) => {
      const l = s.metadata.labels ?? {};
      return (
        l[SERVICE_NAME_LABEL] === service && l[MANAGED_BY_LABEL] === CONTROLLER_NAME && !s.metadata.deletionTimestamp
      );
    });
  }

  private async deleteSlice(s: SliceObject): Promise<void> {
    try {
      await this.opts.client.delete(ENDPOINT_SLICES, s.metadata.namespace ?? '', s.metadata.name ?? '', {
        preconditions: { uid: s.metadata.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The labels of a Service's slices: the Service's own, plus service name, manager and headless marker. Pure. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

function ownedBy(s: SliceObject, svc: ServiceObject): boolean {
  return s.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === svc.metadata.uid) ?? false;
}

function newSlice(svc: ServiceObject, labels: Record<string, string>, content: SliceContent): SliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name ?? ''}-`,
      namespace: svc.metadata.namespace,
      labels,
      ownerReferences: [controllerRefTo(svc)],
    },
    addressType: 'IPv4',
    ports: content.ports,
    endpoints: content.endpoints,
  };
}
