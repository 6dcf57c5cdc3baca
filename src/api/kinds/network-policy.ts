import type { NetworkPolicy, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { validateEnum } from '../validation/field.js';
import { formatLabelSelector, validateLabelSelector } from '../validation/label-selector.js';
import { isValidPortName, isValidPortNum } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { PROTOCOLS } from './pod-validation.js';

function validatePorts(ports: NetworkPolicyPort[] | undefined, path: string): FieldError[] {
  return (ports ?? []).flatMap((p, i) => {
    const errs = validateEnum(`${path}[${i}].protocol`, p.protocol, PROTOCOLS, false);
    if (typeof p.port === 'number')
      errs.push(...isValidPortNum(p.port).map((m) => fieldErrors.invalid(`${path}[${i}].port`, p.port, m)));
    else if (typeof p.port === 'string')
      errs.push(...isValidPortName(p.port).map((m) => fieldErrors.invalid(`${path}[${i}].port`, p.port, m)));
    if (p.endPort !== undefined && (typeof p.port !== 'number' || p.endPort < p.port)) {
      errs.push(fieldErrors.invalid(`${path}[${i}].endPort`, p.endPort, 'must be greater than or equal to `port`'));
    }
    return errs;
  });
}

/** networking.k8s.io/v1 NetworkPolicy: policyTypes [Ingress] (+Egress with egress rules), ports TCP. */
export const networkPolicyStrategy = defineKind<NetworkPolicy>({
  namespaced: true,
  defaults(np) {
    np.spec ??= { podSelector: {} };
    const spec = np.spec;
    spec.podSelector ??= {};
    for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? [])])
      for (const p of r.ports ?? []) p.protocol ||= 'TCP';
    if (!spec.policyTypes || spec.policyTypes.length === 0)
      spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
  },
  validate(np) {
    const spec = np.spec ?? { podSelector: {} };
    const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
    for (const [i, r] of (spec.ingress ?? []).entries())
      errs.push(...validatePorts(r.ports, `spec.ingress[${i}].ports`));
    for (const [i, r] of (spec.egress ?? []).entries()) errs.push(...validatePorts(r.ports, `spec.egress[${i}].ports`));
    for (const [i, t] of (spec.policyTypes ?? []).entries())
      errs.push(...validateEnum(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
    if ((spec.policyTypes ?? []).length > 2)
      errs.push(fieldErrors.invalid('spec.policyTypes', spec.policyTypes, 'may not specify more than two policyTypes'));
    return errs;
  },
  columns: [
    nameColumn(),
    col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'),
    ageColumn(),
  ],
  row: (np, now) => [nameOf(np), formatLabelSelector(np.spec?.podSelector ?? {}), ageOf(np, now)],
});
