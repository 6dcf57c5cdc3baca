import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { servedIngressTlsSecrets } from '../../../api/kinds/ingress-class.js';
import { servedGatewayTlsSecrets } from '../../../api/gateway/tls-secrets.js';
import type { Gateway, GatewayClass, ReferenceGrant } from '../../../api/gateway/types.js';
import type { WatchCache } from '../../watch-cache.js';

const INGRESSES = '/registry/networking.k8s.io/ingresses/';
const INGRESS_CLASSES = '/registry/networking.k8s.io/ingressclasses/';
const GATEWAYS = '/registry/gateway.networking.k8s.io/gateways/';
const GATEWAY_CLASSES = '/registry/gateway.networking.k8s.io/gatewayclasses/';
const REFERENCE_GRANTS = '/registry/gateway.networking.k8s.io/referencegrants/';
const SECRETS = '/registry/core/secrets/';
/** What the served names are computed from: a change under any of these makes them stale. */
const SOURCES = [INGRESSES, INGRESS_CLASSES, GATEWAYS, GATEWAY_CLASSES, REFERENCE_GRANTS];
/** The only Secret type a node's ingress data plane may read (Kubernetes' SecretTypeTLS). */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** What the Node authorizer asks about a Secret besides its pod graph. */
export interface ServedTlsSecrets {
  /** Whether a node's ingress data plane may read this Secret (see WatchCacheServedTlsSecrets). */
  readable(namespace: string, name: string): boolean;
}

/**
 * The TLS Secrets the node data plane serves, from the watch cache: a Secret of type
 * kubernetes.io/tls named in spec.tls[].secretName by an Ingress of a class the built-in data plane
 * serves, or in the certificateRefs of an HTTPS listener of a Gateway of a class it serves (across
 * namespaces only with a ReferenceGrant). That data plane runs on every node and serves every such
 * Ingress and Gateway, so every node may read those Secrets — and no other: not another type under
 * that name, not a TLS Secret nothing served names. (Kubernetes has no built-in ingress on nodes;
 * this extends its Node authorizer's graph in the same spirit as pod → Secret.)
 *
 *   Ingress / IngressClass / Gateway / GatewayClass / ReferenceGrant events
 *     ──► stale ──(next question)──► set of <ns>/<secret> names
 *   question ──► name in the set? ──► the cached Secret's type is kubernetes.io/tls?
 *
 * The set is rebuilt lazily after any change of those (they are few and change rarely); a Secret's type is a selectable field of the cache, read without parsing the Secret.
 * Subscribes on construction and re-subscribes after the cache reloads, as the node graph does.
 */
export class WatchCacheServedTlsSecrets implements ServedTlsSecrets {
  private names: Set<string> | undefined;
  private unsubscribe: (() => void)[] = [];
  private attached = false;

  constructor(private readonly cache: WatchCache) {
    this.attach();
  }

  readable(namespace: string, name: string): boolean {
    if (!this.attached && this.cache.ready) this.attach();
    this.names ??= this.served();
    if (!this.names.has(`${namespace}/${name}`)) return false;
    return this.cache.get(`${SECRETS}${namespace}/${name}`)?.fields.type === TLS_SECRET_TYPE;
  }

  private served(): Set<string> {
    const list = <T>(prefix: string) => this.cache.list(prefix, '').map((c) => c.object() as T);
    const ingress = servedIngressTlsSecrets(list<Ingress>(INGRESSES), list<IngressClass>(INGRESS_CLASSES));
    const gateway = servedGatewayTlsSecrets(
      list<Gateway>(GATEWAYS),
      list<GatewayClass>(GATEWAY_CLASSES),
      list<ReferenceGrant>(REFERENCE_GRANTS),
    );
    return new Set([...ingress, ...gateway]);
  }

  /** Stops following the cache (server shutdown). */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.attached = false;
  }

  private attach(): void {
    this.close();
    this.names = undefined;
    const stale = () => {
      this.names = undefined;
    };
    const onClose = () => {
      this.attached = false;
    };
    this.unsubscribe.push(...SOURCES.map((prefix) => this.cache.subscribe({ prefix, onEvents: stale, onClose })));
    this.attached = true;
  }
}
