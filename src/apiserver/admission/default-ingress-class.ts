import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { DEFAULT_INGRESS_CLASS_ANNOTATION, LEGACY_INGRESS_CLASS_ANNOTATION } from '../../api/kinds/ingress-class.js';
import { findResourceType } from '../../api/resource-types.js';
import type { WatchCache } from '../watch-cache.js';
import type { AdmissionPlugin } from './plugin.js';

/**
 * The default IngressClass among `classes`: those annotated is-default-class "true"; with several,
 * the newest (creation time, then name), as Kubernetes does since 1.28. Undefined when none. Pure.
 */
export function defaultIngressClass(classes: IngressClass[]): string | undefined {
  const defaults = classes
    .filter((c) => c.metadata?.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true')
    .sort(
      (a, b) =>
        (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') ||
        (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
  return defaults[0]?.metadata?.name;
}

/**
 * Kubernetes' DefaultIngressClass admission: a new Ingress with neither spec.ingressClassName nor
 * the legacy `kubernetes.io/ingress.class` annotation gets the default class's name. Reads the
 * classes from the watch cache (not pure: runs on the main thread).
 */
export function defaultIngressClassPlugin(cache: WatchCache | undefined): AdmissionPlugin {
  const rt = findResourceType('networking.k8s.io', 'v1', 'ingressclasses');
  return {
    name: 'DefaultIngressClass',
    kind: 'mutating',
    pure: false,
    handles: (r, operation) => operation === 'create' && r.group === 'networking.k8s.io' && r.kind === 'Ingress',
    admit(_operation, _rt, obj) {
      if (!cache || !rt) throw new Error('DefaultIngressClass needs the watch cache (it never runs in a write worker)');
      const spec = (obj.spec ??= {}) as { ingressClassName?: string };
      if (spec.ingressClassName || obj.metadata.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION]) return;
      const name = defaultIngressClass(cache.list(rt.storagePrefix, '').map((c) => c.object() as IngressClass));
      if (name) spec.ingressClassName = name;
    },
  };
}
