import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigMap, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { buildContainerEnv, ContainerConfigError, expandVars, serviceEnv, type EnvObjects } from './container-env.js';

const image = { entrypoint: [], cmd: [], env: ['PATH=/bin', 'A=image'], workingDir: '', user: '' };
const cm: ConfigMap = {
  metadata: { name: 'cfg', namespace: 'ns' },
  data: { LEVEL: 'debug', 'bad key': 'x', '1ST': 'y', MODE: 'cm' },
};
const secret: Secret = {
  metadata: { name: 's', namespace: 'ns' },
  data: { PASSWORD: Buffer.from('hunter2').toString('base64') },
};
const svc = (
  ns: string,
  name: string,
  ip: string,
  ports: Service['spec'] extends infer S ? (S extends { ports?: infer P } ? P : never) : never,
): Service => ({ metadata: { name, namespace: ns }, spec: { clusterIP: ip, ports } });
const services: Service[] = [
  svc('default', 'kubernetes', '10.43.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  svc('ns', 'my-db', '10.43.0.20', [{ port: 5432 }, { name: 'metrics', port: 9187, protocol: 'TCP' }]),
  svc('ns', 'dns', '10.43.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }]),
  svc('ns', 'headless', 'None', [{ port: 80 }]),
  svc('other', 'elsewhere', '10.43.0.30', [{ port: 80 }]),
];
const objects: EnvObjects = {
  configMap: (ns, name) => (ns === 'ns' && name === 'cfg' ? cm : undefined),
  secret: (ns, name) => (ns === 'ns' && name === 's' ? secret : undefined),
  services: (ns) => services.filter((s) => s.metadata?.namespace === ns),
  nodeAllocatable: () => ({ cpu: '2', memory: '1Gi' }),
};
const pod = (extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' } },
  spec: { containers: [], enableServiceLinks: false, ...extra },
});
const envOf = (p: Pod, c: NonNullable<Pod['spec']>['containers'][number]): Record<string, string> =>
  Object.fromEntries(
    buildContainerEnv({ pod: p, container: c, image, podIP: '10.42.0.5', hostIP: '192.0.2.1', objects }).map((e) => [
      e.slice(0, e.indexOf('=')),
      e.slice(e.indexOf('=') + 1),
    ]),
  );

test('expansion: $(VAR) from the lookup, $$ literal, unknown kept', () => {
  const vars = new Map([['A', '1']]);
  assert.equal(
    expandVars('$(A)-$$(A)-$(B)-$x-$', (n) => vars.get(n)),
    '1-$(A)-$(B)-$x-$',
  );
});

test('envFrom with prefix (invalid names skipped), env overrides it, image env first', () => {
  const env = buildContainerEnv({
    pod: pod(),
    container: {
      name: 'c',
      envFrom: [
        { configMapRef: { name: 'cfg' }, prefix: 'CFG_' },
        { configMapRef: { name: 'cfg' } },
        { secretRef: { name: 's' } },
      ],
      env: [{ name: 'MODE', value: 'spec' }],
    },
    image,
    podIP: '',
    hostIP: '',
    objects,
  });
  assert.deepEqual(
    env.filter((e) => !e.startsWith('KUBERNETES_')),
    [
      'PATH=/bin',
      'A=image',
      'CFG_LEVEL=debug',
      'CFG_1ST=y',
      'CFG_MODE=cm',
      'LEVEL=debug',
      'MODE=spec',
      'PASSWORD=hunter2',
      'HOSTNAME=p',
    ],
  );
});

test('configMapKeyRef, secretKeyRef, optional honoured, missing ones are CreateContainerConfigError', () => {
  const e = envOf(pod(), {
    name: 'c',
    env: [
      { name: 'L', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
      { name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'PASSWORD' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'gone', key: 'x', optional: true } } },
      { name: 'OPTKEY', valueFrom: { secretKeyRef: { name: 's', key: 'nokey', optional: true } } },
    ],
  });
  assert.equal(e.L, 'debug');
  assert.equal(e.P, 'hunter2');
  assert.ok(!('OPT' in e) && !('OPTKEY' in e));
  const fails = (c: Parameters<typeof envOf>[1], msg: RegExp): void =>
    assert.throws(
      () => envOf(pod(), c),
      (err: unknown) => err instanceof ContainerConfigError && msg.test(err.message),
    );
  fails(
    { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'x' } } }] },
    /^configmap "gone" not found$/,
  );
  fails(
    { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'nokey' } } }] },
    /^couldn't find key nokey in Secret ns\/s$/,
  );
  fails({ name: 'c', envFrom: [{ secretRef: { name: 'gone' } }] }, /^secret "gone" not found$/);
  assert.ok(!('X' in envOf(pod(), { name: 'c', envFrom: [{ secretRef: { name: 'gone', optional: true } }] })));
});

test('fieldRef (labels, IPs) and resourceFieldRef (default limit = node allocatable)', () => {
  const e = envOf(pod(), {
    name: 'c',
    resources: { limits: { memory: '128Mi' } },
    env: [
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
    ],
  });
  assert.deepEqual([e.APP, e.IP, e.HOST, e.MEM_MI, e.CPUS], ['web', '10.42.0.5', '192.0.2.1', '128', '2']);
});

test('$(VAR) in values: earlier vars and service vars, not later ones', () => {
  const e = envOf(pod({ enableServiceLinks: true }), {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'cfg' } }],
    env: [
      { name: 'FIRST', value: '$(SECOND)' },
      { name: 'SECOND', value: 'two' },
      { name: 'THIRD', value: '$(SECOND)+$(LEVEL)+$(MY_DB_SERVICE_HOST)+$$(SECOND)' },
    ],
  });
  assert.equal(e.FIRST, '$(SECOND)');
  assert.equal(e.THIRD, 'two+debug+10.43.0.20+$(SECOND)');
});

test('service variables as the kubelet makes them, sorted; kubernetes always; declared vars win', () => {
  const vars = serviceEnv(pod({ enableServiceLinks: true }), objects.services('ns'), objects.services('default'));
  assert.deepEqual(
    vars.map(([k, v]) => `${k}=${v}`),
    [
      'DNS_SERVICE_HOST=10.43.0.10',
      'DNS_SERVICE_PORT=53',
      'DNS_SERVICE_PORT_DNS=53',
      'DNS_PORT=udp://10.43.0.10:53',
      'DNS_PORT_53_UDP=udp://10.43.0.10:53',
      'DNS_PORT_53_UDP_PROTO=udp',
      'DNS_PORT_53_UDP_PORT=53',
      'DNS_PORT_53_UDP_ADDR=10.43.0.10',
      'KUBERNETES_SERVICE_HOST=10.43.0.1',
      'KUBERNETES_SERVICE_PORT=443',
      'KUBERNETES_SERVICE_PORT_HTTPS=443',
      'KUBERNETES_PORT=tcp://10.43.0.1:443',
      'KUBERNETES_PORT_443_TCP=tcp://10.43.0.1:443',
      'KUBERNETES_PORT_443_TCP_PROTO=tcp',
      'KUBERNETES_PORT_443_TCP_PORT=443',
      'KUBERNETES_PORT_443_TCP_ADDR=10.43.0.1',
      'MY_DB_SERVICE_HOST=10.43.0.20',
      'MY_DB_SERVICE_PORT=5432',
      'MY_DB_SERVICE_PORT_METRICS=9187',
      'MY_DB_PORT=tcp://10.43.0.20:5432',
      'MY_DB_PORT_5432_TCP=tcp://10.43.0.20:5432',
      'MY_DB_PORT_5432_TCP_PROTO=tcp',
      'MY_DB_PORT_5432_TCP_PORT=5432',
      'MY_DB_PORT_5432_TCP_ADDR=10.43.0.20',
      'MY_DB_PORT_9187_TCP=tcp://10.43.0.20:9187',
      'MY_DB_PORT_9187_TCP_PROTO=tcp',
      'MY_DB_PORT_9187_TCP_PORT=9187',
      'MY_DB_PORT_9187_TCP_ADDR=10.43.0.20',
    ],
  );
  const off = envOf(pod({ enableServiceLinks: false }), { name: 'c' });
  assert.equal(off.KUBERNETES_SERVICE_HOST, '10.43.0.1');
  assert.ok(!('MY_DB_SERVICE_HOST' in off));
  const mine = envOf(pod({ enableServiceLinks: true }), {
    name: 'c',
    env: [{ name: 'MY_DB_SERVICE_HOST', value: 'mine' }],
  });
  assert.equal(mine.MY_DB_SERVICE_HOST, 'mine');
  assert.equal(mine.DNS_SERVICE_HOST, '10.43.0.10');
  const defaultNs = serviceEnv(
    { metadata: { namespace: 'default' }, spec: { containers: [] } },
    objects.services('default'),
    objects.services('default'),
  );
  assert.equal(defaultNs.filter(([k]) => k === 'KUBERNETES_SERVICE_HOST').length, 1);
});
