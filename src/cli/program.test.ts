import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram, DEFAULT_DATA_DIR } from './program.js';

/** Parses argv without running the action: returns the subcommand's parsed options. */
function parseOptions(argv: string[]): Record<string, unknown> {
  const program = buildProgram();
  let seen: Record<string, unknown> | undefined;
  program.exitOverride();
  for (const cmd of program.commands as Command[]) {
    cmd.exitOverride();
    cmd.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    cmd.action((opts: Record<string, unknown>) => {
      seen = opts;
    });
  }
  program.parse(argv, { from: 'user' });
  assert.ok(seen);
  return seen;
}

test('server defaults: /var/lib/flotilla, sqlite, 6443, all interfaces', () => {
  assert.deepEqual(parseOptions(['server']), {
    dataDir: DEFAULT_DATA_DIR,
    port: 6443,
    bindAddress: '0.0.0.0',
    tlsSan: [],
    logLevel: 'info',
    datastore: 'sqlite',
    defaultNotReadyTolerationSeconds: 5,
    auditLogMaxage: 0,
    auditLogMaxbackup: 10,
    auditLogMaxsize: 100,
    defaultUnreachableTolerationSeconds: 5,
    requestReadTimeout: 60,
    serviceAccountIssuer: [],
    serviceAccountKeyFile: [],
  });
});

test('ServiceAccount token flags: repeatable issuers and key files, comma-separated audiences', () => {
  const o = parseOptions([
    'server',
    '--service-account-issuer',
    'https://issuer.example',
    '--service-account-issuer',
    'https://old.example',
    '--api-audiences',
    'api, vault',
    '--service-account-signing-key-file',
    '/k/sa.key',
    '--service-account-key-file',
    '/k/other.pub',
    '--service-account-jwks-uri',
    'https://issuer.example/keys',
  ]);
  assert.deepEqual(o.serviceAccountIssuer, ['https://issuer.example', 'https://old.example']);
  assert.deepEqual(o.apiAudiences, ['api', 'vault']);
  assert.equal(o.serviceAccountSigningKeyFile, '/k/sa.key');
  assert.deepEqual(o.serviceAccountKeyFile, ['/k/other.pub']);
  assert.equal(o.serviceAccountJwksUri, 'https://issuer.example/keys');
});

test('server flags are parsed and validated', () => {
  const o = parseOptions([
    'server',
    '--data-dir',
    '/tmp/x',
    '--datastore',
    'etcd://127.0.0.1:2379,127.0.0.1:22379',
    '--port',
    '0',
    '--bind-address',
    '127.0.0.1',
    '--tls-san',
    'a.example',
    '--tls-san',
    '10.0.0.1',
  ]);
  assert.equal(o.datastore, 'etcd://127.0.0.1:2379,127.0.0.1:22379');
  assert.equal(o.port, 0);
  assert.deepEqual(o.tlsSan, ['a.example', '10.0.0.1']);
  assert.throws(() => parseOptions(['server', '--port', '70000']));
  assert.throws(() => parseOptions(['server', '--datastore', 'postgres://x']));
});

test('up has no --datastore (always the embedded SQLite store)', () => {
  assert.equal(parseOptions(['up', '--port', '7443']).port, 7443);
  assert.throws(() => parseOptions(['up', '--datastore', 'memory']));
});

test('--anonymous-auth: unset by default (on), bare or =true on, =false off, other values refused', () => {
  assert.equal(parseOptions(['server']).anonymousAuth, undefined);
  assert.equal(parseOptions(['server', '--anonymous-auth']).anonymousAuth, true);
  assert.equal(parseOptions(['up', '--anonymous-auth=true']).anonymousAuth, true);
  assert.equal(parseOptions(['server', '--anonymous-auth=false']).anonymousAuth, false);
  assert.throws(() => parseOptions(['server', '--anonymous-auth=maybe']));
});
