import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KUBERNETES_MINOR } from '../server/version-info.js';
import { clientMinor, findOnPath, getKubectl, kubectlAdvice, parseClientMinor } from './kubectl-fit.js';

let dir = '';
let server: Server;
let base = '';
const binary = Buffer.from('#!/bin/sh\necho "Client Version: v1.31.9"\n');
let checksum = createHash('sha256').update(binary).digest('hex');
const requests: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-kubectl-fit-'));
  // A release host as dl.k8s.io/release lays it out.
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/release/stable-1.31.txt') return res.end('v1.31.9\n');
    if (req.url === '/release/stable-1.99.txt') return res.end('<html>no</html>');
    if (req.url === '/release/v1.31.9/bin/linux/amd64/kubectl') return res.end(binary);
    if (req.url === '/release/v1.31.9/bin/linux/amd64/kubectl.sha256') return res.end(checksum);
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/release/`;
});
after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

test('parseClientMinor reads today and older kubectl output', () => {
  assert.equal(parseClientMinor('Client Version: v1.32.4-dispatcher\nKustomize Version: v5.5.0\n'), 32);
  assert.equal(parseClientMinor('Client Version: version.Info{Major:"1", Minor:"20", GitVersion:"v1.20.15"}'), 20);
  assert.equal(parseClientMinor('garbage'), undefined);
});

test('kubectlAdvice: silent for a fitting kubectl; names the way out when none or a too old one is found', () => {
  assert.equal(kubectlAdvice({ path: '/usr/bin/kubectl', minor: 31 }), undefined);
  assert.equal(kubectlAdvice({ path: '/usr/bin/kubectl', minor: undefined }), undefined);
  assert.match(kubectlAdvice({}) ?? '', /^no kubectl on PATH: `flotilla get-kubectl` installs kubectl 1\.\d+/);
  assert.match(
    kubectlAdvice({ path: '/usr/bin/kubectl', minor: 20 }) ?? '',
    new RegExp(`/usr/bin/kubectl is kubectl 1\\.20, too old for this server \\(1\\.${KUBERNETES_MINOR};`),
  );
});

test('getKubectl installs the newest patch of 1.<minor> checked against its sha256; findOnPath and clientMinor then see it', async () => {
  const bin = join(dir, 'bin');
  const got = await getKubectl({ dir: bin, minor: '31', from: base });
  assert.deepEqual(got, { path: join(bin, 'kubectl'), version: 'v1.31.9' });
  assert.deepEqual(await readFile(got.path), binary);
  assert.equal((await stat(got.path)).mode & 0o777, 0o755);
  assert.equal(findOnPath('kubectl', `/nonexistent:${bin}`), got.path);
  assert.equal(findOnPath('kubectl', '/nonexistent'), undefined);
  assert.equal(await clientMinor(got.path), 31);
});

test('getKubectl refuses a download whose checksum differs, and a stable file that is not a version; nothing is installed', async () => {
  const bin = join(dir, 'bin2');
  await mkdir(bin);
  await writeFile(join(bin, 'kubectl'), 'old');
  await chmod(join(bin, 'kubectl'), 0o755);
  const right = checksum;
  checksum = 'f'.repeat(64);
  try {
    await assert.rejects(
      getKubectl({ dir: bin, minor: '31', from: base }),
      /sha256 [0-9a-f]{64}, the release says f{64}/,
    );
  } finally {
    checksum = right;
  }
  assert.equal(await readFile(join(bin, 'kubectl'), 'utf8'), 'old', 'the old file stays');
  await assert.rejects(getKubectl({ dir: bin, minor: '99', from: base }), /not a version/);
  await assert.rejects(getKubectl({ dir: bin, minor: 'x', from: base }), /--minor must be a number/);
});
