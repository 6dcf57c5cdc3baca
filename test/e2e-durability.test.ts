/**
 * Durability of acknowledged writes through the whole server: concurrent creates (and then updates
 * and deletes) over HTTPS, `kill -9` of the server while requests are still in flight, a restart on
 * the same data dir; every acknowledged write must be there, unchanged, and kubectl must work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { startTestServer, type TestServer } from './helpers/cluster.js';
import { apiRequest, parseTable } from './helpers/e2e.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import type { ObjectList } from '../src/machinery/client/index.js';

const NS = 'durable';

interface Ack {
  name: string;
  uid: string;
  resourceVersion: string;
  value: string;
}

/**
 * Sends `total` requests built by `make(i)` with `concurrency` in flight, and SIGKILLs the server as
 * soon as `killAfter` have been acknowledged (requests still in flight then fail, which is fine:
 * they were never acknowledged). Returns the acknowledged responses.
 */
async function writeThenKill(
  server: TestServer,
  total: number,
  concurrency: number,
  killAfter: number,
  send: (i: number, agent: Agent) => Promise<Ack | undefined>,
): Promise<Ack[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const acks: Ack[] = [];
  let next = 0;
  let killing: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && !killing) {
        const i = next++;
        try {
          const ack = await send(i, agent);
          if (ack) acks.push(ack);
        } catch {
          // connection reset by the kill: not acknowledged
        }
        if (acks.length >= killAfter && !killing) killing = server.kill('SIGKILL');
      }
    }),
  );
  await (killing ?? server.kill('SIGKILL'));
  agent.destroy();
  return acks;
}

test('kill -9 right after acknowledged creates, updates and deletes: all of them survive a restart', {
  timeout: 120_000,
}, async () => {
  const first = await startTestServer();
  let server: TestServer | undefined = first;
  try {
    const ns = await apiRequest(first, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS },
    });
    assert.equal(ns.status, 201, ns.text);

    // 1. Creates: 16 in flight, kill -9 once 200 are acknowledged.
    const payload = 'x'.repeat(1500);
    const created = await writeThenKill(first, 400, 16, 200, async (i, agent) => {
      const r = await apiRequest(
        first,
        'POST',
        `/api/v1/namespaces/${NS}/configmaps`,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}`, labels: { round: 'create' } },
          data: { i: String(i), payload },
        },
        { agent },
      );
      if (r.status !== 201) return undefined;
      return {
        name: r.json.metadata.name,
        uid: r.json.metadata.uid,
        resourceVersion: r.json.metadata.resourceVersion,
        value: r.json.data.i,
      };
    });
    assert.ok(created.length >= 200, `acknowledged ${created.length}`);
    assert.equal(first.output().stderr.includes('SIGTERM'), false);

    server = await startTestServer({ dataDir: first.dataDir });
    const s2 = server;
    let list = await apiRequest(s2, 'GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=round%3Dcreate`);
    assert.equal(list.status, 200, list.text);
    const stored = new Map(
      (list.json as ObjectList<KubeObject & ConfigMap>).items.map((o) => [o.metadata.name ?? '', o]),
    );
    for (const ack of created) {
      const o = stored.get(ack.name);
      assert.ok(o, `acknowledged ${ack.name} (rv ${ack.resourceVersion}) is missing after kill -9`);
      assert.equal(o.metadata.uid, ack.uid);
      assert.equal(o.metadata.resourceVersion, ack.resourceVersion);
      assert.equal(o.data?.i, ack.value);
      assert.equal(o.data?.payload, payload);
    }
    // Unacknowledged creates may or may not be there, but whatever is there is whole.
    for (const o of stored.values()) assert.equal(o.data?.payload, payload, o.metadata.name);
    const maxAcked = Math.max(...created.map((a) => Number(a.resourceVersion)));
    assert.ok(Number(list.json.metadata.resourceVersion) >= maxAcked, 'the revision sequence did not go back');

    // kubectl works on the restarted server and sees them all.
    const k = await s2.kubectl([
      '-n',
      NS,
      'get',
      'configmaps',
      '-l',
      'round=create',
      '--no-headers',
      '-o',
      'custom-columns=NAME:.metadata.name',
    ]);
    assert.equal(k.code, 0, k.stderr);
    assert.equal(k.stdout.trim().split('\n').length, stored.size);
    const t = parseTable((await s2.kubectl(['-n', NS, 'get', 'cm', created[0].name])).stdout);
    assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(t.rows[0].slice(0, 2), [created[0].name, '2']);

    // 2. Updates and deletes of the acknowledged objects, kill -9 again after 150 acknowledgements.
    const targets = created.slice(0, 200);
    const changed = await writeThenKill(s2, targets.length, 16, 150, async (i, agent) => {
      const name = targets[i].name;
      if (i % 4 === 3) {
        const r = await apiRequest(s2, 'DELETE', `/api/v1/namespaces/${NS}/configmaps/${name}`, undefined, { agent });
        return r.status === 200 ? { name, uid: targets[i].uid, resourceVersion: '', value: 'deleted' } : undefined;
      }
      const r = await apiRequest(
        s2,
        'PATCH',
        `/api/v1/namespaces/${NS}/configmaps/${name}`,
        { data: { i: `updated-${i}` } },
        { agent, headers: { 'content-type': 'application/merge-patch+json' } },
      );
      return r.status === 200
        ? { name, uid: r.json.metadata.uid, resourceVersion: r.json.metadata.resourceVersion, value: r.json.data.i }
        : undefined;
    });
    assert.ok(changed.length >= 150, `acknowledged ${changed.length}`);

    server = await startTestServer({ dataDir: first.dataDir });
    const s3 = server;
    list = await apiRequest(s3, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
    const after = new Map(
      (list.json as ObjectList<KubeObject & ConfigMap>).items.map((o) => [o.metadata.name ?? '', o]),
    );
    for (const ack of changed) {
      const o = after.get(ack.name);
      if (ack.value === 'deleted') {
        assert.equal(o, undefined, `acknowledged delete of ${ack.name} was undone by kill -9`);
      } else {
        assert.ok(o, `${ack.name} missing`);
        assert.equal(o.data?.i, ack.value, `acknowledged update of ${ack.name}`);
        assert.equal(o.metadata.resourceVersion, ack.resourceVersion);
      }
    }
    // The server keeps working: a new write gets a higher resourceVersion than every acknowledged one.
    const maxRv = Math.max(...changed.filter((a) => a.resourceVersion).map((a) => Number(a.resourceVersion)));
    const fresh = await apiRequest(s3, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-restart' },
    });
    assert.equal(fresh.status, 201, fresh.text);
    assert.ok(Number(fresh.json.metadata.resourceVersion) > maxRv);
    const ns2 = await s3.kubectl(['get', 'namespace', NS, '-o', 'jsonpath={.status.phase}']);
    assert.equal(ns2.stdout, 'Active');
  } finally {
    await server?.stop();
    await first.stop();
  }
});
