/**
 * securityContext with real containers, checked from inside them: each pod prints what it sees
 * (/proc/self/status capabilities, NoNewPrivs and Seccomp, its namespaces, ids, a write to its
 * root, sysctls) to its log. Default and restricted containers, privileged, seccomp RuntimeDefault /
 * Localhost / pod-level default, procMount Unmasked, hostNetwork / hostPID / hostIPC against the
 * host's namespaces, runAsNonRoot refusing a root image (CreateContainerConfigError), a forbidden
 * sysctl rejecting the pod (SysctlForbidden). Server + in-process agent with its own bridge and pod
 * CIDR (test/helpers/real-node.ts); everything removed in `after`. Runs as root.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PodObject } from '../src/agent/pods/pod-workers.js';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, effectiveCapabilities } from '../src/agent/runtime/oci/oci-spec.js';
import { startRealNode, type RealNode } from './helpers/real-node.js';
import { until } from './helpers/wait-until.js';

let node: RealNode;
const NS = 'secctx';

/** What each container prints: `key=value` lines, then `done`. */
const REPORT = `
grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | sed 's/:\\s*/=/'
echo "net=$(readlink /proc/self/ns/net)"
echo "pid=$(readlink /proc/self/ns/pid)"
echo "ipc=$(readlink /proc/self/ns/ipc)"
echo "uid=$(id -u)"
echo "groups=$(id -G)"
touch /written 2>/dev/null && echo "rootfs=writable" || echo "rootfs=readonly"
mkdir /made 2>/dev/null && echo "mkdir=ok" || echo "mkdir=denied"
echo "sys=$(grep ' /sys sysfs ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1)"
grep -q ' /proc/timer_list ' /proc/self/mountinfo && echo "masked=yes" || echo "masked=no"
grep -q ' /proc/sys ' /proc/self/mountinfo && echo "procsys=readonly" || echo "procsys=plain"
test -e /dev/kmsg && echo "kmsg=present" || echo "kmsg=absent"
echo "portstart=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)"
echo "shmrmid=$(cat /proc/sys/kernel/shm_rmid_forced)"
echo "hostname=$(hostname)"
if [ -d /data ]; then
  echo "data=$(stat -c '%g %a' /data)"
  touch /data/f && echo "datafile=$(stat -c %g /data/f)"
  echo "cfg=$(stat -L -c '%g %a' /cfg/key)"
fi
echo done
exec sleep 3600
`;

function pod(name: string, spec: Record<string, unknown>, container: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      nodeName: node.nodeName,
      terminationGracePeriodSeconds: 0,
      ...spec,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', REPORT], ...container }],
    },
  });
}

/** The capability mask /proc/self/status prints for a set of names. */
function capMask(names: readonly string[]): string {
  let m = 0n;
  for (const n of names) m |= 1n << BigInt(ALL_CAPABILITIES.indexOf(n));
  return m.toString(16).padStart(16, '0');
}

/** The container's `key=value` lines (read from its k8s-file log) once it printed `done`. */
async function report(name: string): Promise<Map<string, string>> {
  const p = await node.waitForPod(name, (x) => !!x.status?.containerStatuses?.[0]?.state?.running, 30_000, NS);
  const file = join(node.dataDir, 'pods', `${NS}_${name}_${p.metadata.uid}`, 'main', '0.log');
  return until(
    `"done" in ${file}`,
    async () => {
      const lines = (await readFile(file, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').slice(3).join(' '));
      if (!lines.includes('done')) return undefined;
      return new Map(
        lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    },
    { timeoutMs: 20_000, describe: () => readFile(file, 'utf8').catch(() => '(none)') },
  );
}

/** The agent's (this process's) effective capabilities: what privileged containers get. */
const hostCaps = async (): Promise<string[]> => effectiveCapabilities(await readFile('/proc/self/status', 'utf8'));

before(async () => {
  node = await startRealNode({ name: 'secctx-test', agent: { proxy: false, dns: false } });
  // A Localhost profile in the agent's seccomp root: everything allowed but mkdir.
  await mkdir(join(node.dataDir, 'seccomp', 'profiles'), { recursive: true });
  await writeFile(
    join(node.dataDir, 'seccomp', 'profiles', 'no-mkdir.json'),
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
    }),
  );
  // Privileged test pods must pass whatever Pod Security level the cluster enforces by default.
  await node.kubectl(['create', 'namespace', NS]);
  await node.kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=privileged']);
  await node.kubectl(['create', 'configmap', 'secctx-cfg', '-n', NS, '--from-literal=key=value']);
  const pods = [
    pod('plain', {}),
    pod(
      'restricted',
      {
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 3000,
          fsGroup: 2000,
          supplementalGroups: [4000],
          seccompProfile: { type: 'RuntimeDefault' },
          sysctls: [
            { name: 'net.ipv4.ip_unprivileged_port_start', value: '80' },
            { name: 'kernel.shm_rmid_forced', value: '1' },
          ],
        },
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'secctx-cfg', defaultMode: 0o400 } },
        ],
      },
      {
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'cfg', mountPath: '/cfg' },
        ],
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
        },
      },
    ),
    pod('privileged', {}, { securityContext: { privileged: true } }),
    pod(
      'localhost-seccomp',
      { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } },
      {
        securityContext: {
          seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/no-mkdir.json' },
          capabilities: { add: ['CAP_SYS_ADMIN'], drop: ['chown'] },
          procMount: 'Unmasked',
        },
      },
    ),
    pod('hostns', { hostNetwork: true, hostPID: true, hostIPC: true }),
    pod('hostnet', { hostNetwork: true }),
    pod('nonroot', { securityContext: { runAsNonRoot: true } }),
    pod('no-profile', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'missing.json' } } }),
    pod('forbidden-sysctl', { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '65536' }] } }),
    pod('hostnet-sysctl', {
      hostNetwork: true,
      securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }] },
    }),
  ];
  await node.kubectl(['apply', '-f', '-'], pods.join('\n'));
});

after(async () => {
  await node?.stop();
});

describe('securityContext from inside the container', () => {
  test('a plain container: the 14 default capabilities, no no_new_privs, no seccomp, masked /proc, read-only /sys', async () => {
    const r = await report('plain');
    assert.equal(r.get('CapBnd'), capMask(DEFAULT_CAPABILITIES));
    assert.equal(r.get('CapEff'), capMask(DEFAULT_CAPABILITIES));
    assert.equal(r.get('NoNewPrivs'), '0');
    assert.equal(r.get('Seccomp'), '0');
    assert.equal(r.get('rootfs'), 'writable');
    assert.equal(r.get('sys'), 'ro');
    assert.equal(r.get('masked'), 'yes');
    assert.equal(r.get('procsys'), 'readonly');
    assert.equal(r.get('kmsg'), 'absent');
    assert.equal(r.get('uid'), '0');
    assert.notEqual(r.get('net'), await readlink('/proc/self/ns/net'));
    assert.notEqual(r.get('pid'), await readlink('/proc/self/ns/pid'));
    assert.notEqual(r.get('ipc'), await readlink('/proc/self/ns/ipc'));
    assert.equal(r.get('hostname'), 'plain');
  });

  test('restricted: drop ALL + NET_BIND_SERVICE, no_new_privs, RuntimeDefault seccomp, read-only root, user and groups, sysctls', async () => {
    const r = await report('restricted');
    assert.equal(r.get('CapBnd'), capMask(['CAP_NET_BIND_SERVICE']));
    assert.equal(r.get('CapEff'), capMask([]), 'a non-root process keeps no effective capabilities');
    assert.equal(r.get('NoNewPrivs'), '1');
    assert.equal(r.get('Seccomp'), '2');
    assert.equal(r.get('rootfs'), 'readonly');
    assert.equal(r.get('uid'), '1000');
    assert.deepEqual(r.get('groups')?.split(' ').sort(), ['2000', '3000', '4000']);
    assert.equal(r.get('portstart'), '80');
    assert.equal(r.get('shmrmid'), '1');
    // fsGroup: the emptyDir is group 2000 with rw + setgid (new files inherit the group); the
    // read-only configMap's 0400 file becomes 0440 for the group.
    assert.equal(r.get('data'), '2000 2777');
    assert.equal(r.get('datafile'), '2000');
    assert.equal(r.get('cfg'), '2000 440');
  });

  test('privileged: every capability, no seccomp, nothing masked, /sys writable, host devices', async () => {
    const r = await report('privileged');
    assert.equal(r.get('CapBnd'), capMask(await hostCaps()));
    assert.equal(r.get('CapEff'), capMask(await hostCaps()));
    assert.equal(r.get('Seccomp'), '0');
    assert.equal(r.get('NoNewPrivs'), '0');
    assert.equal(r.get('masked'), 'no');
    assert.equal(r.get('procsys'), 'plain');
    assert.equal(r.get('sys'), 'rw');
    assert.equal(r.get('kmsg'), 'present');
  });

  test('Localhost seccomp profile (container over pod), capability names with CAP_ and in lower case, procMount Unmasked', async () => {
    const r = await report('localhost-seccomp');
    assert.equal(r.get('Seccomp'), '2');
    assert.equal(r.get('mkdir'), 'denied');
    assert.equal(r.get('rootfs'), 'writable');
    const caps = [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'), 'CAP_SYS_ADMIN'];
    assert.equal(r.get('CapBnd'), capMask(caps));
    assert.equal(r.get('masked'), 'no');
    assert.equal(r.get('procsys'), 'plain');
  });

  test("hostNetwork, hostPID, hostIPC: the host's namespaces; pod IP = node IP", async () => {
    const r = await report('hostns');
    assert.equal(r.get('net'), await readlink('/proc/self/ns/net'));
    assert.equal(r.get('pid'), await readlink('/proc/self/ns/pid'));
    assert.equal(r.get('ipc'), await readlink('/proc/self/ns/ipc'));
    const p = await node.waitForPod('hostns', (x) => !!x.status?.podIP, 10_000, NS);
    assert.equal(p.status?.podIP, '127.0.0.1');
    assert.equal(p.status?.podIP, p.status?.hostIP);
  });
});

describe('host namespaces across an agent restart', () => {
  test('a hostNetwork pod keeps its pinned IPC namespace and container over an agent restart', async () => {
    const r = await report('hostnet');
    assert.equal(r.get('net'), await readlink('/proc/self/ns/net'));
    assert.notEqual(r.get('ipc'), await readlink('/proc/self/ns/ipc'));
    const before = await node.waitForPod('hostnet', (x) => !!x.status?.containerStatuses?.[0]?.containerID, 10_000, NS);
    const uid = before.metadata.uid ?? '';
    const pinned = async () => (await readdir(join(node.dataDir, 'ns'))).filter((f) => f.startsWith(uid)).sort();
    assert.deepEqual(await pinned(), [`${uid}-ipc`]);
    await node.restartAgent();
    await new Promise((r) => setTimeout(r, 1500)); // the new agent's first sync of the pod
    const after = await node.waitForPod('hostnet', (x) => x.status?.phase === 'Running', 10_000, NS);
    assert.equal(after.status?.containerStatuses?.[0]?.containerID, before.status?.containerStatuses?.[0]?.containerID);
    assert.equal(after.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(after.status?.podIP, '127.0.0.1');
    assert.deepEqual(await pinned(), [`${uid}-ipc`]);
  });
});

describe('refusals', () => {
  test('runAsNonRoot with a root image: CreateContainerConfigError with the kubelet message', async () => {
    const p = await node.waitForPod(
      'nonroot',
      (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError',
      30_000,
      NS,
    );
    const w = p.status?.containerStatuses?.[0]?.state?.waiting;
    assert.match(w?.message ?? '', /^container has runAsNonRoot and image will run as root \(pod: "nonroot_secctx\(/);
    assert.equal(p.status?.phase, 'Pending');
  });

  test('a Localhost seccomp profile that is not there: CreateContainerError naming the file', async () => {
    const p = await node.waitForPod(
      'no-profile',
      (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerError',
      30_000,
      NS,
    );
    const file = join(node.dataDir, 'seccomp', 'missing.json');
    assert.match(
      p.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '',
      new RegExp(`^cannot load seccomp profile "${file}": ENOENT`),
    );
  });

  test('a sysctl outside the safe set, and a net sysctl with hostNetwork: the pod is rejected (SysctlForbidden)', async () => {
    const p = await node.waitForPod('forbidden-sysctl', (x: PodObject) => x.status?.phase === 'Failed', 30_000, NS);
    assert.equal(p.status?.reason, 'SysctlForbidden');
    assert.equal(p.status?.message, 'Pod was rejected: forbidden sysctl: "kernel.msgmax" not allowlisted');
    const h = await node.waitForPod('hostnet-sysctl', (x: PodObject) => x.status?.phase === 'Failed', 30_000, NS);
    assert.equal(
      h.status?.message,
      'Pod was rejected: forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled',
    );
    const events = await node.kubectl([
      'get',
      'events',
      '-n',
      NS,
      '--field-selector',
      'involvedObject.name=forbidden-sysctl',
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    assert.match(events, /SysctlForbidden/);
  });
});

describe('clean-up', () => {
  test('deleting the pods leaves no container and no pinned namespace', async () => {
    await node.kubectl(['delete', 'pods', '--all', '-n', NS, '--wait=true', '--timeout=60s']);
    await until('no containers and no namespace files', async () => {
      const left = [...node.agent.runtime.listContainers(), ...(await readdir(join(node.dataDir, 'ns')))];
      return left.length === 0 ? true : undefined;
    });
  });
});
