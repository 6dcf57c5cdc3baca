/**
 * Where a webhook's clientConfig points: its url, or a Service reached through its endpoints (a
 * ready endpoint's pod IP and the target port of the service port named in the configuration), as
 * kube-apiserver does with endpoint routing. Reads Services and EndpointSlices from the watch cache.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { WebhookClientConfig } from '../../../api/kinds/webhook-configuration.js';
import type { WatchCache } from '../../watch-cache.js';
import { CallFailed, shownPost, type WebhookTarget } from './call-webhook.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The target of a url clientConfig. */
export function urlTarget(raw: string): WebhookTarget {
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { url, urlText: raw, connectHost: host, connectPort: Number(url.port || 443), serverName: host };
}

/**
 * The target of a Service clientConfig: `https://<name>.<namespace>.svc:<port><path>` for messages
 * and the certificate check, one ready endpoint (picked at random, spreading load) to connect to.
 * Throws CallFailed with Kubernetes' texts when there is no such Service, port or ready endpoint.
 */
export function serviceTarget(cache: WatchCache, cc: WebhookClientConfig, timeoutSeconds: number): WebhookTarget {
  const ref = cc.service;
  if (!ref) throw new Error('serviceTarget needs a service reference');
  const port = ref.port ?? 443;
  const serverName = `${ref.name}.${ref.namespace}.svc`;
  const urlText = `https://${serverName}:${port}${ref.path ?? ''}`;
  const url = new URL(urlText);
  const shown = shownPost(urlText, timeoutSeconds);
  const svc = cache.get(`/registry/core/services/${ref.namespace}/${ref.name}`)?.object() as Service | undefined;
  if (!svc) throw new CallFailed(`${shown}: service "${ref.name}" not found`);
  if (svc.spec?.type === 'ExternalName' && svc.spec.externalName)
    return { url, urlText, connectHost: svc.spec.externalName, connectPort: port, serverName };
  const svcPort = (svc.spec?.ports ?? []).find((p) => p.port === port);
  if (!svcPort) throw new CallFailed(`${shown}: no service port ${port} found for service "${ref.name}"`);
  const candidates: { ip: string; port: number }[] = [];
  for (const c of cache.list('/registry/discovery.k8s.io/endpointslices/', ref.namespace)) {
    if (c.labels[SERVICE_NAME_LABEL] !== ref.name) continue;
    const slice = c.object() as unknown as EndpointSlice;
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const ep = (slice.ports ?? []).find((p) => (p.name ?? '') === (svcPort.name ?? ''));
    if (!ep?.port) continue;
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses ?? []) candidates.push({ ip, port: ep.port });
    }
  }
  if (candidates.length === 0) throw new CallFailed(`${shown}: no endpoints available for service "${ref.name}"`);
  const pick = candidates[Math.floor(Math.random() * candidates.length)] as { ip: string; port: number };
  return { url, urlText, connectHost: pick.ip, connectPort: pick.port, serverName };
}
