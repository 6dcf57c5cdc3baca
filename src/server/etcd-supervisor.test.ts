import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { until } from '../testing/until.js';
import { etcdAvailable } from '../store/etcd/etcd-test-server.js';
import { ensureEtcdCerts } from './etcd-certs.js';
import { etcdHealthy, etcdMemberExists, startEtcdMember } from './etcd-supervisor.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

test('an etcd member with TLS from the cluster CA: client certificate required, restarted after a kill -9, stopped for good', {
  skip: etcdAvailable() ? false : 'etcd is not installed',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-etcd-member-'));
  const { issueCa } = await import('../machinery/pki/issue-certs.js');
  const ca = await issueCa(30);
  const certs = await ensureEtcdCerts(dir, ca, '127.0.0.1');
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const member = await startEtcdMember({
    name: 'm1',
    dir: join(dir, 'etcd'),
    address: '127.0.0.1',
    clientPort,
    peerPort,
    initialCluster: `m1=https://127.0.0.1:${peerPort}`,
    initialClusterState: 'new',
    certs: certs.files,
    clientTls: certs.client,
    log: pino({ level: 'silent' }),
    logFile: join(dir, 'etcd.log'),
  });
  try {
    assert.equal(member.clientUrl, `https://127.0.0.1:${clientPort}`);
    assert.ok(etcdMemberExists(join(dir, 'etcd')));
    assert.equal(await etcdHealthy(member.clientUrl, certs.client), true);
    // Another CA's client certificate is refused.
    const other = await issueCa(30);
    const otherCerts = await ensureEtcdCerts(join(dir, 'other'), other, '127.0.0.1');
    assert.equal(await etcdHealthy(member.clientUrl, { ...otherCerts.client, caPem: certs.client.caPem }), false);
    // Certificates are reused while valid for the address, re-issued for another one.
    assert.equal((await ensureEtcdCerts(dir, ca, '127.0.0.1')).client.certPem, certs.client.certPem);

    const first = member.pid();
    assert.ok(first);
    process.kill(first, 'SIGKILL');
    await until(
      'etcd restarted and healthy',
      async () => member.pid() !== first && (await etcdHealthy(member.clientUrl, certs.client)),
      { timeoutMs: 20_000 },
    );
  } finally {
    const last = member.pid();
    await member.stop();
    assert.ok(last && !existsSync(`/proc/${last}/cmdline`) ? true : !last, 'etcd stopped');
    await rm(dir, { recursive: true, force: true });
  }
});
