/**
 * Jobs driven by the real kubectl against a real `flotilla server` (controllers and scheduler
 * inside) with hollow nodes in the test process: pods annotated `flotilla.dev/hollow-exit-after`
 * succeed after a moment, the Job controller counts them and completes the Job.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './helpers/cluster.js';
import { startHollowCluster, type HollowCluster } from './helpers/hollow-cluster.js';
import { parseTable, writeManifest } from './helpers/e2e.js';

let server: TestServer;
let cluster: HollowCluster | undefined;

before(async () => {
  cluster = await startHollowCluster({ count: 2, namePrefix: 'hollow-' });
  ({ server } = cluster);
});

after(async () => {
  await cluster?.stop();
});

async function kubectlOk(args: string[], timeoutMs = 30_000): Promise<string> {
  const r = await server.kubectl(args, { timeoutMs });
  if (r.code !== 0) {
    const state = await server.kubectl(['get', 'jobs,pods', '-o', 'yaml']);
    assert.fail(`kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}\n--- state\n${state.stdout}`);
  }
  return r.stdout;
}

const job = (name: string, extra: string) => `
apiVersion: batch/v1
kind: Job
metadata: {name: ${name}, namespace: default}
spec:
${extra}
  template:
    metadata:
      annotations: {flotilla.dev/hollow-exit-after: 300ms}
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox, command: [sh, -c, 'sleep 1']}]
`;

test('a Job of 3 completions, 2 at a time, completes: kubectl wait succeeds, get jobs shows 3/3, describe shows the events', async () => {
  await kubectlOk([
    'apply',
    '-f',
    await writeManifest(server, 'job.yaml', job('work', '  completions: 3\n  parallelism: 2')),
  ]);
  await kubectlOk(['wait', '--for=condition=complete', 'job/work', '--timeout=25s']);
  const table = parseTable(await kubectlOk(['get', 'jobs']));
  assert.deepEqual(
    table.records.map((r) => [r.NAME, r.STATUS, r.COMPLETIONS]),
    [['work', 'Complete', '3/3']],
  );
  const pods = JSON.parse(
    await kubectlOk(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=work', '-o', 'json']),
  ) as {
    items: {
      metadata: { finalizers?: string[]; ownerReferences?: { kind: string; name: string }[] };
      status: { phase: string };
    }[];
  };
  assert.equal(pods.items.length, 3);
  for (const p of pods.items) {
    assert.equal(p.status.phase, 'Succeeded');
    assert.deepEqual(p.metadata.finalizers ?? [], [], 'the tracking finalizer is removed once counted');
    assert.deepEqual(
      p.metadata.ownerReferences?.map((o) => [o.kind, o.name]),
      [['Job', 'work']],
    );
  }
  const status = JSON.parse(await kubectlOk(['get', 'job', 'work', '-o', 'jsonpath={.status}'])) as {
    succeeded: number;
    active?: number;
    startTime: string;
    completionTime: string;
  };
  assert.equal(status.succeeded, 3);
  assert.ok(!status.active);
  assert.ok(status.startTime && status.completionTime);
  const describe = await kubectlOk(['describe', 'job', 'work']);
  assert.match(describe, /SuccessfulCreate\s+.*Created pod: work-/);
  assert.match(describe, /Completed\s+.*Job completed/);
});

test('an Indexed Job gives each pod its completion index and reports completed indexes', async () => {
  await kubectlOk([
    'apply',
    '-f',
    await writeManifest(
      server,
      'indexed.yaml',
      job('idx', '  completions: 3\n  parallelism: 3\n  completionMode: Indexed'),
    ),
  ]);
  await kubectlOk(['wait', '--for=condition=complete', 'job/idx', '--timeout=25s']);
  const indexes = (
    await kubectlOk([
      'get',
      'pods',
      '-l',
      'batch.kubernetes.io/job-name=idx',
      '-o',
      'jsonpath={range .items[*]}{.metadata.annotations.batch\\.kubernetes\\.io/job-completion-index}{" "}{end}',
    ])
  )
    .trim()
    .split(' ')
    .sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  assert.equal(await kubectlOk(['get', 'job', 'idx', '-o', 'jsonpath={.status.completedIndexes}']), '0-2');
});

test('a Job whose pods never finish fails with DeadlineExceeded; a finished Job with a TTL is deleted', async () => {
  await kubectlOk([
    'apply',
    '-f',
    await writeManifest(
      server,
      'deadline.yaml',
      `
apiVersion: batch/v1
kind: Job
metadata: {name: slow, namespace: default}
spec:
  activeDeadlineSeconds: 2
  ttlSecondsAfterFinished: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox}]
`,
    ),
  ]);
  await kubectlOk(['wait', '--for=condition=failed', 'job/slow', '--timeout=20s']);
  const describe = await kubectlOk(['describe', 'job', 'slow']);
  assert.match(describe, /DeadlineExceeded/);
  await kubectlOk(['wait', '--for=delete', 'job/slow', '--timeout=20s']);
  // Its pod, deleted with the Job, does not hang on the tracking finalizer.
  await kubectlOk(['wait', '--for=delete', 'pods', '-l', 'batch.kubernetes.io/job-name=slow', '--timeout=20s']);
});

test('deleting a running Job deletes its pods (the tracking finalizer is released)', async () => {
  await kubectlOk([
    'apply',
    '-f',
    await writeManifest(
      server,
      'forever.yaml',
      `
apiVersion: batch/v1
kind: Job
metadata: {name: forever, namespace: default}
spec:
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox}]
`,
    ),
  ]);
  await kubectlOk(['wait', '--for=jsonpath={.status.active}=2', 'job/forever', '--timeout=20s']);
  await kubectlOk(['delete', 'job', 'forever', '--timeout=20s']);
  await kubectlOk(['wait', '--for=delete', 'pods', '-l', 'batch.kubernetes.io/job-name=forever', '--timeout=20s']);
  assert.equal(
    (await kubectlOk(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=forever', '-o', 'name'])).trim(),
    '',
  );
});
