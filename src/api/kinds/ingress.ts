import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum } from '../validation/field.js';
import { isDNS1123Subdomain } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateIngress(ing: Ingress): FieldError[] {
  const spec = ing.spec ?? {};
  const errs: FieldError[] = [];
  if (!spec.defaultBackend && (spec.rules ?? []).length === 0) {
    errs.push(fieldErrors.invalid('spec.rules', [], 'either `defaultBackend` or `rules` must be specified'));
  }
  (spec.rules ?? []).forEach((r, i) => {
    if (r.host) {
      const host = r.host.startsWith('*.') ? r.host.slice(2) : r.host;
      errs.push(...isDNS1123Subdomain(host).map((m) => fieldErrors.invalid(`spec.rules[${i}].host`, r.host, m)));
    }
    (r.http?.paths ?? []).forEach((p, j) => {
      const pp = `spec.rules[${i}].http.paths[${j}]`;
      errs.push(...validateEnum(`${pp}.pathType`, p.pathType, PATH_TYPES));
      if (p.pathType !== 'ImplementationSpecific' && p.path !== undefined && !p.path.startsWith('/')) {
        errs.push(fieldErrors.invalid(`${pp}.path`, p.path, 'must be an absolute path'));
      }
      const b = p.backend;
      if (!b?.service && !b?.resource)
        errs.push(fieldErrors.invalid(`${pp}.backend`, b ?? {}, 'one backend must be specified'));
      if (b?.service && b.resource)
        errs.push(fieldErrors.invalid(`${pp}.backend`, b, 'cannot set both service and resource backends'));
      if (b?.service && !b.service.port?.name && !b.service.port?.number)
        errs.push(fieldErrors.required(`${pp}.backend.service.port`, 'port name or number is required'));
    });
  });
  return errs;
}

/** networking.k8s.io/v1 Ingress: NAME CLASS HOSTS ADDRESS PORTS AGE. */
export const ingressStrategy = defineKind<Ingress>({
  namespaced: true,
  validate: validateIngress,
  columns: [
    nameColumn(),
    col('Class', 'string', 'The name of the IngressClass resource that should be used for ingress.'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  row(ing, now) {
    const hosts = (ing.spec?.rules ?? []).map((r) => r.host ?? '').filter((h) => h);
    const hostCell =
      hosts.length === 0
        ? '*'
        : hosts.length > 4
          ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...`
          : hosts.join(',');
    const address = (ing.status?.loadBalancer?.ingress ?? [])
      .map((i) => i.ip || i.hostname || '')
      .filter((x) => x)
      .join(',');
    const ports = (ing.spec?.tls ?? []).length ? '80, 443' : '80';
    return [nameOf(ing), ing.spec?.ingressClassName ?? '<none>', hostCell, address, ports, ageOf(ing, now)];
  },
});
