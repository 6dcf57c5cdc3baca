/**
 * A CronJob firing, driven with the real kubectl against a real `flotilla server` whose CronJob
 * controller runs its clock 30 times faster than real time (FLOTILLA_CRONJOB_CLOCK_SPEED, a
 * test-only setting): `* * * * *` fires every 2 s. Hollow nodes in the test process run the
 * pods, which finish after 300 ms (`flotilla.dev/hollow-exit-after`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './helpers/cluster.js';
import { startHollowCluster, type HollowCluster } from './helpers/hollow-cluster.js';
import { parseTable, writeManifest } from './helpers/e2e.js';
import { quietPeriod, until } from './helpers/wait-until.js';

let server: TestServer;
let cluster: HollowCluster | undefined;

before(async () => {
  cluster = await startHollowCluster({
    count: 2,
    namePrefix: 'hollow-',
    server: { env: { FLOTILLA_CRONJOB_CLOCK_SPEED: '30' } },
  });
  ({ server } = cluster);
});

after(async () => {
  await cluster?.stop();
});

async function kubectlOk(args: string[]): Promise<string> {
  const r = await server.kubectl(args, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface JobList {
  items: {
    metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

test('a CronJob `* * * * *` fires: Jobs <name>-<minutes> owned by it complete, status records the times, history is pruned, create job --from works', async () => {
  await kubectlOk([
    'apply',
    '-f',
    await writeManifest(
      server,
      'cronjob.yaml',
      `
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick, namespace: default}
spec:
  schedule: '* * * * *'
  timeZone: Etc/UTC
  successfulJobsHistoryLimit: 2
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {flotilla.dev/hollow-exit-after: 300ms}
        spec:
          restartPolicy: Never
          containers: [{name: work, image: busybox, command: [date]}]
`,
    ),
  ]);
  const completed = await until(
    'two completed Jobs of the CronJob',
    async () => {
      const jobs = JSON.parse(await kubectlOk(['get', 'jobs', '-o', 'json'])) as JobList;
      const done = jobs.items.filter(
        (j) =>
          j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick') &&
          j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'),
      );
      return done.length >= 2 ? done : undefined;
    },
    { timeoutMs: 20_000 },
  );
  for (const j of completed) assert.match(j.metadata.name, /^tick-\d{8}$/);
  const status = JSON.parse(await kubectlOk(['get', 'cronjob', 'tick', '-o', 'jsonpath={.status}'])) as {
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
  assert.ok(status.lastScheduleTime, 'lastScheduleTime set');
  assert.ok(status.lastSuccessfulTime, 'lastSuccessfulTime set');
  const table = parseTable(await kubectlOk(['get', 'cronjobs']));
  assert.deepEqual(
    table.records.map((r) => [r.NAME, r.SCHEDULE, r.SUSPEND]),
    [['tick', '* * * * *', 'False']],
  );
  assert.notEqual(table.records[0]['LAST SCHEDULE'], '<none>');
  const describe = await kubectlOk(['describe', 'cronjob', 'tick']);
  assert.match(describe, /SuccessfulCreate\s+.*Created job tick-\d+/);
  assert.match(describe, /SawCompletedJob\s+.*Saw completed job: tick-\d+, status: Complete/);

  // History: at most successfulJobsHistoryLimit (2) completed Jobs remain once a few more have run.
  await until(
    'history pruned to 2',
    async () => {
      const jobs = JSON.parse(await kubectlOk(['get', 'jobs', '-o', 'json'])) as JobList;
      const done = jobs.items.filter((j) =>
        j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'),
      );
      return done.length === 2 &&
        /SuccessfulDelete\s+.*Deleted job tick-/.test(await kubectlOk(['describe', 'cronjob', 'tick']))
        ? true
        : undefined;
    },
    { timeoutMs: 15_000 },
  );

  // Suspend stops new Jobs; `kubectl create job --from=cronjob/tick` still makes one by hand.
  await kubectlOk(['patch', 'cronjob', 'tick', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  await kubectlOk(['create', 'job', 'by-hand', '--from=cronjob/tick']);
  await kubectlOk(['wait', '--for=condition=complete', 'job/by-hand', '--timeout=20s']);
  const before = (await kubectlOk(['get', 'jobs', '-o', 'name']))
    .trim()
    .split('\n')
    .filter((n) => n.startsWith('job.batch/tick-'))
    .sort();
  // At clock speed 30 the schedule fires every 2 s: a 3 s window would see a new Job if suspend were ignored.
  await quietPeriod(3000, 'a suspended CronJob starts no Job');
  const afterSuspend = (await kubectlOk(['get', 'jobs', '-o', 'name']))
    .trim()
    .split('\n')
    .filter((n) => n.startsWith('job.batch/tick-'))
    .sort();
  assert.deepEqual(afterSuspend, before, 'no new Jobs while suspended');
});
