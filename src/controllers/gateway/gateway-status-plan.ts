import type { Condition } from 'kubernetes-types/meta/v1.js';
import { deepEqual } from '../../api/deep-equal.js';
import type { CondSpec, Resolution, RouteKind } from '../../api/gateway/resolve.js';
import type {
  Gateway,
  GatewayClass,
  GwObject,
  HTTPRoute,
  GRPCRoute,
  RouteParentStatus,
} from '../../api/gateway/types.js';

/**
 * The status writes of the Gateway API objects the controller serves, from the resolution
 * (src/api/gateway/resolve.ts): GatewayClass Accepted; Gateway addresses (the Ready nodes'
 * InternalIPs: every node's proxy serves every Gateway), Accepted/Programmed and per-listener
 * conditions with attachedRoutes; each route's `status.parents` entries for our Gateways (entries
 * of other controllers are kept). Conditions keep their lastTransitionTime while their status
 * stays. Only objects whose status differs are returned. Pure.
 */

export type StatusWrite =
  | { kind: 'GatewayClass'; object: GatewayClass }
  | { kind: 'Gateway'; object: Gateway }
  | { kind: RouteKind; object: HTTPRoute | GRPCRoute };

/** Conditions as Kubernetes' meta.SetStatusCondition leaves them; `generation` is observedGeneration. */
export function mergeConditions(
  old: Condition[] | undefined,
  want: CondSpec[],
  generation: number | undefined,
  now: string,
): Condition[] {
  return want.map((w) => {
    const had = (old ?? []).find((c) => c.type === w.type);
    return {
      type: w.type,
      status: w.status,
      reason: w.reason,
      message: w.message,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: had && had.status === w.status ? had.lastTransitionTime : now,
    };
  });
}

export function planGatewayStatus(o: {
  resolution: Resolution;
  classes: GatewayClass[];
  routes: { kind: RouteKind; route: HTTPRoute | GRPCRoute }[];
  controller: string;
  addresses: string[];
  now: string;
}): StatusWrite[] {
  const out: StatusWrite[] = [];
  const changed = <T extends GwObject & { status?: unknown }>(obj: T, status: T['status']): T | undefined =>
    deepEqual(obj.status ?? {}, status) ? undefined : { ...structuredClone(obj), status };

  for (const c of o.classes) {
    const want = o.resolution.classes.get(c.metadata.name ?? '');
    if (!want) continue;
    const next = changed(c, {
      ...c.status,
      conditions: mergeConditions(c.status?.conditions, [want], c.metadata.generation, o.now),
    });
    if (next) out.push({ kind: 'GatewayClass', object: next });
  }

  for (const g of o.resolution.gateways.values()) {
    const gw = g.gateway;
    const gen = gw.metadata.generation;
    let conds = g.conditions;
    if (!o.addresses.length)
      conds = conds.map((c) =>
        c.type === 'Programmed'
          ? { ...c, status: 'False', reason: 'AddressNotAssigned', message: 'No Ready node has an address yet' }
          : c,
      );
    const listeners = g.listeners.map((l) => ({
      name: l.listener.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: l.attachedRoutes,
      conditions: mergeConditions(
        gw.status?.listeners?.find((s) => s.name === l.listener.name)?.conditions,
        l.conditions,
        gen,
        o.now,
      ),
    }));
    const status = {
      addresses: o.addresses.map((value) => ({ type: 'IPAddress', value })),
      conditions: mergeConditions(gw.status?.conditions, conds, gen, o.now),
      listeners,
    };
    const next = changed(gw, status);
    if (next) out.push({ kind: 'Gateway', object: next });
  }

  for (const { kind, route } of o.routes) {
    const want = o.resolution.routes.get(`${kind}/${route.metadata.namespace}/${route.metadata.name}`) ?? [];
    const others = (route.status?.parents ?? []).filter((p) => p.controllerName !== o.controller);
    const ours = (route.status?.parents ?? []).filter((p) => p.controllerName === o.controller);
    const parents: RouteParentStatus[] = want.map((p) => ({
      parentRef: p.parentRef,
      controllerName: o.controller,
      conditions: mergeConditions(
        ours.find((s) => deepEqual(s.parentRef, p.parentRef))?.conditions,
        p.conditions,
        route.metadata.generation,
        o.now,
      ),
    }));
    if (!parents.length && !ours.length) continue;
    const next = changed(route, { ...route.status, parents: [...others, ...parents] });
    if (next) out.push({ kind, object: next });
  }
  return out;
}
