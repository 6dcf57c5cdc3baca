import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTls } from './ensure-tls.js';
import { TLS_FILES } from './tls-material.js';

async function withDataDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-tls-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('first start issues a CA, a serving and an admin certificate, files 0600', () =>
  withDataDir(async (dir) => {
    const { material, issued } = await ensureTls(dir);
    assert.deepEqual(issued, ['ca', 'server', 'admin', 'kubelet-client']);
    for (const file of Object.values(TLS_FILES)) {
      const s = await stat(join(dir, 'tls', file));
      assert.equal(s.mode & 0o777, 0o600, file);
    }
    assert.equal((await stat(join(dir, 'tls'))).mode & 0o777, 0o700);
    const ca = new X509Certificate(material.caCert);
    assert.ok(ca.ca);
    const server = new X509Certificate(material.serverCert);
    assert.ok(server.verify(ca.publicKey));
    assert.ok(!server.ca);
    for (const name of ['localhost', hostname(), 'kubernetes', 'kubernetes.default.svc.cluster.local']) {
      assert.equal(server.checkHost(name, { subject: 'never' }), name);
    }
    for (const ip of ['127.0.0.1', '::1', '10.43.0.1']) assert.ok(server.checkIP(ip), ip);
    assert.equal(server.checkHost('example.com'), undefined);
    const admin = new X509Certificate(material.adminCert);
    assert.ok(admin.verify(ca.publicKey));
    assert.equal(admin.subject, 'CN=admin\nO=system:masters');
    assert.match(material.serverKey, /^-----BEGIN PRIVATE KEY-----/);
  }));

test('a second start reuses every file unchanged', () =>
  withDataDir(async (dir) => {
    const first = await ensureTls(dir);
    const second = await ensureTls(dir);
    assert.deepEqual(second.issued, []);
    assert.deepEqual(second.material, first.material);
    assert.equal(await readFile(join(dir, 'tls', 'ca.crt'), 'utf8'), first.material.caCert);
  }));

test('a new name re-issues only the serving certificate, under the same CA', () =>
  withDataDir(async (dir) => {
    const first = await ensureTls(dir);
    const second = await ensureTls(dir, { extraSans: ['flotilla.example', '192.0.2.7'] });
    assert.deepEqual(second.issued, ['server']);
    assert.equal(second.material.caCert, first.material.caCert);
    assert.equal(second.material.adminCert, first.material.adminCert);
    const server = new X509Certificate(second.material.serverCert);
    assert.equal(server.checkHost('flotilla.example', { subject: 'never' }), 'flotilla.example');
    assert.ok(server.checkIP('192.0.2.7'));
  }));

test('leaves near expiry are renewed; a missing CA re-issues everything', () =>
  withDataDir(async (dir) => {
    const first = await ensureTls(dir);
    const later = Date.now() + 340 * 86_400_000;
    const renewed = await ensureTls(dir, { now: () => later });
    assert.deepEqual(renewed.issued, ['server', 'admin', 'kubelet-client']);
    assert.equal(renewed.material.caCert, first.material.caCert);
    await rm(join(dir, 'tls', 'ca.key'));
    const fresh = await ensureTls(dir);
    assert.deepEqual(fresh.issued, ['ca', 'server', 'admin', 'kubelet-client']);
    assert.notEqual(fresh.material.caCert, first.material.caCert);
  }));
