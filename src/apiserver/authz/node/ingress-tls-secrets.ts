import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { servedIngressTlsSecrets } from '../../../api/kinds/ingress-class.js';
import type { WatchCache } from '../../watch-cache.js';

const INGRESSES = '/registry/networking.k8s.io/ingresses/';
const INGRESS_CLASSES = '/registry/networking.k8s.io/ingressclasses/';
const SECRETS = '/registry/core/secrets/';
/** The only Secret type a node's ingress data plane may read (Kubernetes' SecretTypeTLS). */
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** What the Node authorizer asks about a Secret besides its pod graph. */
export interface IngressTlsSecrets {
  /** Whether a node's ingress data plane may read this Secret (see WatchCacheIngressTlsSecrets). */
  readable(namespace: string, name: string): boolean;
}

/**
 * The TLS Secrets the node data plane serves, from the watch cache: a Secret of type
 * kubernetes.io/tls named in spec.tls[].secretName by an Ingress of a class the built-in data plane
 * serves. That data plane runs on every node and serves every such Ingress, so every node may read
 * those Secrets — and no other: not another type under that name, not a TLS Secret no served Ingress
 * names. (Kubernetes has no built-in ingress on nodes; this extends its Node authorizer's graph in
 * the same spirit as pod → Secret.)
 *
 *   Ingress / IngressClass events ──► stale ──(next question)──► set of <ns>/<secret> names
 *   question ──► name in the set? ──► the cached Secret's type is kubernetes.io/tls?
 *
 * The set is rebuilt lazily after any Ingress or IngressClass change (both are few and change
 * rarely); a Secret's type is a selectable field of the cache, read without parsing the Secret.
 * Subscribes on construction and re-subscribes after the cache reloads, as the node graph does.
 */
export class WatchCacheIngressTlsSecrets implements IngressTlsSecrets {
  private names: Set<string> | undefined;
  private unsubscribe: (() => void)[] = [];
  private attached = false;

  constructor(private readonly cache: WatchCache) {
    this.attach();
  }

  readable(namespace: string, name: string): boolean {
    if (!this.attached && this.cache.ready) this.attach();
    this.names ??= servedIngressTlsSecrets(
      this.cache.list(INGRESSES, '').map((c) => c.object() as Ingress),
      this.cache.list(INGRESS_CLASSES, '').map((c) => c.object() as IngressClass),
    );
    if (!this.names.has(`${namespace}/${name}`)) return false;
    return this.cache.get(`${SECRETS}${namespace}/${name}`)?.fields.type === TLS_SECRET_TYPE;
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
    this.unsubscribe.push(
      this.cache.subscribe({ prefix: INGRESSES, onEvents: stale, onClose }),
      this.cache.subscribe({ prefix: INGRESS_CLASSES, onEvents: stale, onClose }),
    );
    this.attached = true;
  }
}
