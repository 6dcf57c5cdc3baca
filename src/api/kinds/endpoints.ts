import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { invalidEach, validateEnum } from '../validation/field.js';
import { isDNS1123Label, isIP, isValidPortNum } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { PROTOCOLS } from './pod-validation.js';

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** ENDPOINTS cell (formatEndpoints): up to 3 `ip:port`, then ` + N more...`; `<none>` when empty. */
export function formatEndpoints(ep: Endpoints): string {
  const list: string[] = [];
  let count = 0;
  const max = 3;
  for (const ss of ep.subsets ?? []) {
    const addrs = ss.addresses ?? [];
    if ((ss.ports ?? []).length === 0) {
      count += addrs.length;
      for (const a of addrs) if (list.length < max) list.push(a.ip);
      continue;
    }
    for (const port of ss.ports ?? []) {
      count += addrs.length;
      for (const a of addrs) if (list.length < max) list.push(hostPort(a.ip, port.port));
    }
  }
  if (list.length === 0) return '<none>';
  return count > max ? `${list.join(',')} + ${count - max} more...` : list.join(',');
}

function validateSubsets(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    for (const kind of ['addresses', 'notReadyAddresses'] as const) {
      (ss[kind] ?? []).forEach((a, j) => {
        if (!isIP(a.ip)) errs.push(fieldErrors.invalid(`${p}.${kind}[${j}].ip`, a.ip, 'must be a valid IP address'));
      });
    }
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port.name) errs.push(fieldErrors.required(`${pp}.name`));
      if (port.name) errs.push(...invalidEach(`${pp}.name`, port.name, isDNS1123Label(port.name)));
      errs.push(...invalidEach(`${pp}.port`, port.port, isValidPortNum(port.port)));
      errs.push(...validateEnum(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** core/v1 Endpoints: port protocol TCP; NAME ENDPOINTS AGE. */
export const endpointsStrategy = defineKind<Endpoints>({
  namespaced: true,
  defaults(ep) {
    for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) p.protocol ||= 'TCP';
  },
  validate: validateSubsets,
  columns: [nameColumn(), col('Endpoints', 'string', 'Endpoints of the service'), ageColumn()],
  row: (ep, now) => [nameOf(ep), formatEndpoints(ep), ageOf(ep, now)],
});
