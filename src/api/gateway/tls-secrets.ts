/**
 * The Secrets the node data plane serves to Gateways: the certificateRefs of HTTPS listeners
 * (terminated here, not passed through) of Gateways whose class this cluster's controller runs;
 * a reference to another namespace counts only when a ReferenceGrant there allows it.
 */
import { referenceGranted } from './resolve.js';
import type { Gateway, GatewayClass, ReferenceGrant } from './types.js';
import { GATEWAY_GROUP } from './crds.js';
import { FLOTILLA_GATEWAY_CONTROLLER } from './index.js';

/** `<namespace>/<name>` of every Secret those listeners name. Pure. */
export function servedGatewayTlsSecrets(
  gateways: readonly Gateway[],
  classes: readonly GatewayClass[],
  grants: ReferenceGrant[],
  controller: string = FLOTILLA_GATEWAY_CONTROLLER,
): Set<string> {
  const ours = new Set(classes.filter((c) => c.spec?.controllerName === controller).map((c) => c.metadata.name ?? ''));
  const out = new Set<string>();
  for (const gw of gateways) {
    if (!ours.has(gw.spec?.gatewayClassName ?? '')) continue;
    const from = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gw.metadata.namespace ?? '' };
    for (const l of gw.spec?.listeners ?? []) {
      if (l.protocol !== 'HTTPS' || l.tls?.mode === 'Passthrough') continue;
      for (const ref of l.tls?.certificateRefs ?? []) {
        if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') continue;
        const namespace = ref.namespace ?? from.namespace;
        const to = { group: '', kind: 'Secret', namespace, name: ref.name };
        if (namespace !== from.namespace && !referenceGranted(grants, from, to)) continue;
        out.add(`${namespace}/${ref.name}`);
      }
    }
  }
  return out;
}
