import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { invalidEach, validateEnum } from '../validation/field.js';
import { validateLabels } from '../validation/labels.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
} from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { PROTOCOLS } from './pod-validation.js';
import { formatLabels } from './workload-helpers.js';

/** The node-port range a default API server allocates from. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

const externallyAccessible = (s: Service): boolean =>
  s.spec?.type === 'LoadBalancer' ||
  s.spec?.type === 'NodePort' ||
  (s.spec?.type === 'ClusterIP' && (s.spec.externalIPs ?? []).length > 0);

/** SetDefaults_Service plus the IP-family fields the registry fills (single-stack IPv4). */
export function defaultService(s: Service): void {
  s.spec ??= {};
  const spec = s.spec;
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  spec.type ||= 'ClusterIP';
  for (const p of spec.ports ?? []) {
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(s)) spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ||= 'Cluster';
    spec.ipFamilyPolicy ||= 'SingleStack';
    if (!spec.ipFamilies || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
    if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
    if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  }
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
}

function validatePorts(s: Service): FieldError[] {
  const spec = s.spec ?? {};
  const ports = spec.ports ?? [];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p: ServicePort, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(fieldErrors.required(`${path}.name`));
    if (p.name) {
      errs.push(...invalidEach(`${path}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(fieldErrors.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    errs.push(...invalidEach(`${path}.port`, p.port, isValidPortNum(p.port)));
    errs.push(...validateEnum(`${path}.protocol`, p.protocol, PROTOCOLS));
    if (typeof p.targetPort === 'number')
      errs.push(...invalidEach(`${path}.targetPort`, p.targetPort, isValidPortNum(p.targetPort)));
    else if (typeof p.targetPort === 'string')
      errs.push(...invalidEach(`${path}.targetPort`, p.targetPort, isValidPortName(p.targetPort)));
    if (p.nodePort) {
      if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
        errs.push(fieldErrors.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${spec.type}'`));
      } else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max) {
        errs.push(
          fieldErrors.invalid(
            `${path}.nodePort`,
            p.nodePort,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
          ),
        );
      }
    }
    const key = `${p.port}/${p.protocol}`;
    if (keys.has(key))
      errs.push(
        fieldErrors.duplicate(path, {
          name: p.name ?? '',
          protocol: p.protocol,
          port: p.port,
          targetPort: p.targetPort ?? 0,
          nodePort: p.nodePort ?? 0,
        }),
      );
    keys.add(key);
  });
  return errs;
}

function validateServiceSpec(s: Service): FieldError[] {
  const spec = s.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const errs = validateEnum('spec.type', spec.type, TYPES);
  const headless = spec.clusterIP === 'None';
  if ((spec.ports ?? []).length === 0 && !headless && spec.type !== 'ExternalName')
    errs.push(fieldErrors.required('spec.ports'));
  errs.push(...validatePorts(s));
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(fieldErrors.required('spec.externalName'));
    else
      errs.push(
        ...invalidEach(
          'spec.externalName',
          spec.externalName,
          isDNS1123Subdomain(spec.externalName.replace(/\.$/, '')),
        ),
      );
  }
  if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') {
    if (headless)
      errs.push(
        fieldErrors.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`),
      );
  }
  (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).forEach((ip, i) => {
    if (ip !== 'None' && ip !== '' && !isIP(ip))
      errs.push(
        fieldErrors.invalid(
          `spec.clusterIPs[${i}]`,
          ip,
          'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        ),
      );
  });
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIP(ip))
      errs.push(
        fieldErrors.invalid(
          `spec.externalIPs[${i}]`,
          ip,
          'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        ),
      );
  });
  errs.push(...validateEnum('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (spec.externalTrafficPolicy && !externallyAccessible(s)) {
    errs.push(
      fieldErrors.invalid(
        'spec.externalTrafficPolicy',
        spec.externalTrafficPolicy,
        'may only be set for externally-accessible services',
      ),
    );
  } else if (spec.externalTrafficPolicy)
    errs.push(...validateEnum('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']));
  errs.push(...validateEnum('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local'], false));
  errs.push(
    ...validateEnum(
      'spec.ipFamilyPolicy',
      spec.ipFamilyPolicy,
      ['SingleStack', 'PreferDualStack', 'RequireDualStack'],
      false,
    ),
  );
  for (const [i, f] of (spec.ipFamilies ?? []).entries())
    errs.push(...validateEnum(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
  if (spec.type !== 'ExternalName') errs.push(...validateLabels(spec.selector, 'spec.selector'));
  return errs;
}

function externalIPCell(s: Service): string {
  const spec = s.spec ?? {};
  const ext = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((x) => x);
      const all = [...lb, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** PORT(S) cell: `80/TCP`, `80:30080/TCP`, joined by ','; `<none>` when no ports. */
export function servicePortsCell(ports: ServicePort[] | undefined): string {
  const s = (ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
  return s || '<none>';
}

/** core/v1 Service: DNS-1035 names; clusterIP, once set, is immutable (except to/from ExternalName). */
export const serviceStrategy = defineKind<Service>({
  namespaced: true,
  nameValidator: nameIsDNS1035Label,
  defaults: defaultService,
  validate: validateServiceSpec,
  validateUpdate(s, old) {
    const errs: FieldError[] = [];
    const oldIP = old.spec?.clusterIP;
    const newIP = s.spec?.clusterIP;
    if (oldIP && newIP && oldIP !== newIP && old.spec?.type !== 'ExternalName' && s.spec?.type !== 'ExternalName') {
      errs.push(fieldErrors.invalid('spec.clusterIPs[0]', newIP, 'may not change once set'));
    }
    return errs;
  },
  columns: [
    nameColumn(),
    col('Type', 'string', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col(
      'External-IP',
      'string',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', true),
  ],
  row(s, now) {
    const ip = s.spec?.clusterIPs?.[0] || s.spec?.clusterIP || '<none>';
    return [
      nameOf(s),
      s.spec?.type ?? '',
      ip,
      externalIPCell(s),
      servicePortsCell(s.spec?.ports),
      ageOf(s, now),
      formatLabels(s.spec?.selector),
    ];
  },
});
