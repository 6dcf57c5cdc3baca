/**
 * `flotilla certificate rotate` on a running server: new serving and client certificates from the
 * same CA, the serving one picked up by new connections without a restart; kubectl keeps working.
 * With no server running the files are rotated directly and used at the next start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect } from 'node:tls';
import { flotillaCommand, REPO_ROOT, startTestServer, type TestServer } from './helpers/cluster.js';

const servers: TestServer[] = [];
after(async () => {
  for (const s of servers.reverse()) await s.stop();
});

function flotilla(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flotillaCommand(), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The certificate a new TLS connection to the server is served, verified against the CA. */
function servedCertificate(s: TestServer): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: s.port, ca: s.caPem, servername: 'localhost' }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (raw) resolve(raw);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

const fileCert = (s: TestServer, name: string): X509Certificate =>
  new X509Certificate(readFileSync(join(s.dataDir, 'tls', name)));

test('certificate rotate on a running server: new leaves from the same CA, served live without a restart', async () => {
  const s = await startTestServer();
  servers.push(s);
  const before = await servedCertificate(s);
  const adminBefore = fileCert(s, 'admin.crt');
  const caBefore = fileCert(s, 'ca.crt');
  assert.equal(before.fingerprint256, fileCert(s, 'server.crt').fingerprint256);

  const r = await flotilla(['certificate', 'rotate', '--data-dir', s.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /issued: server, admin, kubelet-client/);
  assert.match(r.stdout, /the running server serves the new certificate/);

  const after = await servedCertificate(s);
  assert.notEqual(after.fingerprint256, before.fingerprint256, 'a new connection gets the new certificate');
  assert.equal(after.fingerprint256, fileCert(s, 'server.crt').fingerprint256);
  assert.ok(after.checkIssued(caBefore), 'signed by the same CA');
  assert.equal(fileCert(s, 'ca.crt').fingerprint256, caBefore.fingerprint256, 'the CA stays');
  assert.notEqual(fileCert(s, 'admin.crt').fingerprint256, adminBefore.fingerprint256);
  assert.ok(after.checkHost('localhost'));
  assert.ok(after.checkIP('127.0.0.1'));

  // Same process, and clients with the CA keep working.
  assert.doesNotThrow(() => process.kill(s.pid, 0));
  const k = await s.kubectl(['get', 'namespace', 'default', '-o', 'name']);
  assert.equal(k.code, 0, k.stderr);
  const check = await flotilla(['certificate', 'check', '--data-dir', s.dataDir]);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, new RegExp(`server\\.crt\\t.*kube-apiserver.*\\t${after.fingerprint256}`));
});

test('certificate rotate with no server running rotates the files for the next start', async () => {
  const s = await startTestServer();
  servers.push(s);
  await s.kill('SIGTERM');
  const before = fileCert(s, 'server.crt');
  const r = await flotilla(['certificate', 'rotate', '--data-dir', s.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no server running/);
  const again = await startTestServer({ dataDir: s.dataDir });
  servers.push(again);
  const served = await servedCertificate(again);
  assert.notEqual(served.fingerprint256, before.fingerprint256);
  assert.equal(served.fingerprint256, fileCert(again, 'server.crt').fingerprint256);
});

test('certificate with an unknown action exits 2', async () => {
  const r = await flotilla(['certificate', 'renew', '--data-dir', '/nonexistent']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /use check or rotate/);
});
