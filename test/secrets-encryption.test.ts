/**
 * Encryption at rest through the real server and kubectl: Secrets never reach the database files
 * in clear (ConfigMaps do, which shows the search works), `flotilla secrets-encrypt rotate`
 * rewrites every Secret with a new key, a restart reads them all, data files are 0600.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { flotillaCommand, REPO_ROOT, startTestServer, type TestServer } from './helpers/cluster.js';

const run = promisify(execFile);

async function secretsEncrypt(dataDir: string, action: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [...flotillaCommand(), 'secrets-encrypt', action, '--data-dir', dataDir],
    {
      cwd: REPO_ROOT,
    },
  );
  return stdout;
}

/** Every byte the store keeps on disk: the database, its WAL and shared memory. */
async function databaseBytes(dataDir: string): Promise<Buffer> {
  const db = join(dataDir, 'db');
  const files = (await readdir(db)).filter((f) => f.startsWith('state.db'));
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(db, f)))));
}

const PASSWORD = 'correct-horse-battery-staple-7f3a';
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function createSecrets(server: TestServer, count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = await server.kubectl([
      'create',
      'secret',
      'generic',
      `${prefix}-${i}`,
      `--from-literal=password=${PASSWORD}-${i}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
}

async function readPassword(server: TestServer, name: string): Promise<string> {
  const r = await server.kubectl(['get', 'secret', name, '-o', 'jsonpath={.data.password}']);
  assert.equal(r.code, 0, r.stderr);
  return Buffer.from(r.stdout, 'base64').toString();
}

describe('Secrets encrypted at rest', () => {
  let dataDir: string;
  let server: TestServer;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'flotilla-enc-'));
    server = await startTestServer({ dataDir });
  });
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps Secret values out of the database files of a new cluster', async () => {
    await createSecrets(server, 3, 'db');
    const cm = await server.kubectl(['create', 'configmap', 'visible', `--from-literal=note=${PASSWORD}-cm`]);
    assert.equal(cm.code, 0, cm.stderr);
    assert.equal(await readPassword(server, 'db-1'), `${PASSWORD}-1`);
    const bytes = await databaseBytes(dataDir);
    assert.ok(bytes.includes(`${PASSWORD}-cm`), 'the ConfigMap is stored in clear (the search finds plain values)');
    for (let i = 0; i < 3; i++) {
      assert.ok(!bytes.includes(`${PASSWORD}-${i}`), `secret db-${i} in clear`);
      assert.ok(!bytes.includes(b64(`${PASSWORD}-${i}`)), `secret db-${i} base64 in clear`);
    }
    assert.ok(bytes.includes('k8s:enc:secretbox:v1:'));
  });

  it('reports status, and rotation rewrites every Secret with a new key and retires the old one', async () => {
    const before = await secretsEncrypt(dataDir, 'status');
    assert.match(before, /Encryption Status: Enabled/);
    const oldKey = /Write key: (\S+)/.exec(before)?.[1];
    assert.ok(oldKey?.startsWith('secretbox:'), before);
    // Names are made per second: a rotation in the same second as the first key needs a distinct name.
    await new Promise((r) => setTimeout(r, 1100));
    const rotated = await secretsEncrypt(dataDir, 'rotate');
    const newKey = /Write key: (\S+)/.exec(rotated)?.[1];
    assert.ok(newKey && newKey !== oldKey, rotated);
    const count = Number(new RegExp(`${newKey}\\s+(\\d+)`).exec(rotated)?.[1]);
    assert.ok(count >= 3, rotated);
    assert.ok(!rotated.includes(oldKey ?? '?'), `no Secret left under the old key:\n${rotated}`);
    const config = await readFile(join(dataDir, 'cred', 'encryption-config.yaml'), 'utf8');
    assert.ok(!config.includes(oldKey?.split(':')[1] ?? '?'), 'the old key is gone from the configuration');
    assert.equal(await readPassword(server, 'db-2'), `${PASSWORD}-2`);
  });

  it('reads every Secret after a restart, and keeps its files private', async () => {
    await server.stop();
    server = await startTestServer({ dataDir });
    for (let i = 0; i < 3; i++) assert.equal(await readPassword(server, `db-${i}`), `${PASSWORD}-${i}`);
    const mode = async (p: string) => (await stat(join(dataDir, p))).mode & 0o777;
    assert.equal(await mode('.'), 0o700);
    assert.equal(await mode('db'), 0o700);
    assert.equal(await mode('db/state.db'), 0o600);
    assert.equal(await mode('cred/encryption-config.yaml'), 0o600);
  });
});

describe('a cluster whose Secrets are stored plain', () => {
  it('reports encryption disabled until rotate encrypts every Secret', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-enc-plain-'));
    await mkdir(join(dataDir, 'cred'), { recursive: true });
    await writeFile(
      join(dataDir, 'cred', 'encryption-config.yaml'),
      'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - identity: {}\n',
    );
    const server = await startTestServer({ dataDir });
    try {
      await createSecrets(server, 2, 'plain');
      assert.ok((await databaseBytes(dataDir)).includes(b64(`${PASSWORD}-1`)), 'stored plain');
      assert.match(await secretsEncrypt(dataDir, 'status'), /Encryption Status: Disabled[\s\S]*identity\s+2/);
      const rotated = await secretsEncrypt(dataDir, 'rotate');
      assert.match(rotated, /Encryption Status: Enabled[\s\S]*Rewritten: 2/);
      assert.match(rotated, /secretbox:\S+\s+2/);
      assert.doesNotMatch(rotated, /identity\s+\d/);
      assert.equal(await readPassword(server, 'plain-0'), `${PASSWORD}-0`);
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
