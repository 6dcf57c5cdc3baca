import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { more, validateEnum, validateImmutable } from '../validation/field.js';
import { isIP, isValidPortNum } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { PROTOCOLS } from './pod-validation.js';

const MAX_ADDRESSES = 100;
const MAX_ENDPOINTS = 1000;

function listWithMore(items: string[], max: number): string {
  if (items.length === 0) return '<unset>';
  return items.length > max ? `${items.slice(0, max).join(',')} + ${items.length - max} more...` : items.join(',');
}

function validateSlice(es: EndpointSlice): FieldError[] {
  const errs = validateEnum('addressType', es.addressType, ['IPv4', 'IPv6', 'FQDN']);
  const endpoints = es.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(more.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const addrs = ep.addresses ?? [];
    if (addrs.length === 0)
      errs.push(fieldErrors.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    if (addrs.length > MAX_ADDRESSES) errs.push(more.tooMany(`endpoints[${i}].addresses`, addrs.length, MAX_ADDRESSES));
    if (es.addressType !== 'FQDN')
      addrs.forEach((a, j) => {
        if (!isIP(a))
          errs.push(fieldErrors.invalid(`endpoints[${i}].addresses[${j}]`, a, 'must be a valid IP address'));
      });
  });
  (es.ports ?? []).forEach((p, i) => {
    if (p.port !== undefined)
      errs.push(...isValidPortNum(p.port).map((m) => fieldErrors.invalid(`ports[${i}].port`, p.port, m)));
    errs.push(...validateEnum(`ports[${i}].protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

/** discovery.k8s.io/v1 EndpointSlice: ports protocol TCP and name ""; addressType immutable. */
export const endpointSliceStrategy = defineKind<EndpointSlice>({
  namespaced: true,
  defaults(es) {
    for (const p of es.ports ?? []) {
      p.protocol ||= 'TCP';
      p.name ??= '';
    }
  },
  validate: validateSlice,
  validateUpdate: (es, old) => validateImmutable('addressType', es.addressType, old.addressType),
  columns: [
    nameColumn(),
    col('AddressType', 'string', 'The IP protocol for this slice'),
    col('Ports', 'string', 'The ports for this slice'),
    col('Endpoints', 'string', 'The endpoints for this slice'),
    ageColumn(),
  ],
  row(es, now) {
    const ports = listWithMore(
      (es.ports ?? []).map((p) => (p.port === undefined ? '<unset>' : String(p.port))),
      3,
    );
    const addrs = listWithMore(
      (es.endpoints ?? []).flatMap((e) => e.addresses ?? []),
      3,
    );
    return [nameOf(es), es.addressType ?? '', ports, addrs, ageOf(es, now)];
  },
});
