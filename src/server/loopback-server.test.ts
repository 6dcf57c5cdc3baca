import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopbackIdentities, listenLoopback, loopbackConnection } from './loopback-server.js';
import type { ApiHandler } from './api-handler-contract.js';
import { createClient } from '../machinery/client/index.js';
import { NODES } from '../machinery/resources/well-known.js';

const echoUser = {
  handle(_req, res, user) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(user));
  },
  isReady: () => true,
  close: async () => {},
} as ApiHandler;

function call(socketPath: string, authorization?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/api', headers: authorization ? { authorization } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('each component calls as the user its minted token names; no token is the API server; other tokens are 401', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-loopback-'));
  const socketPath = join(dir, 'apiserver.sock');
  const identities = new LoopbackIdentities();
  const server = await listenLoopback(socketPath, echoUser, identities);
  try {
    assert.equal((await stat(socketPath)).mode & 0o777, 0o600);
    const scheduler = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
    const token = identities.tokenFor(scheduler);
    assert.equal(identities.tokenFor({ ...scheduler }), token, 'the same user keeps its token');
    assert.notEqual(identities.tokenFor({ name: 'system:node:n1', groups: ['system:nodes'] }), token);

    const client = createClient(loopbackConnection(socketPath, identities, scheduler, 'test'));
    try {
      // The echo handler answers with the user: the client's list sees it as the body.
      const { items: _items, ...body } = await client.list(NODES);
      assert.deepEqual(body, scheduler);
    } finally {
      await client.close();
    }
    assert.deepEqual(JSON.parse((await call(socketPath)).body), {
      name: 'system:apiserver',
      groups: ['system:masters', 'system:authenticated'],
    });
    const unknown = await call(socketPath, 'Bearer loopback-not-minted');
    assert.equal(unknown.status, 401);
    assert.equal(JSON.parse(unknown.body).reason, 'Unauthorized');
    assert.equal((await call(socketPath, 'Basic abc')).status, 401);
  } finally {
    server.close();
    server.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  }
});
