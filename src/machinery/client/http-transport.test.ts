import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createHttpTransport } from './http-transport.js';

test('many open watches at once: none waits for a connection another one holds', { timeout: 15_000 }, async () => {
  // A watch keeps its response open; over HTTP/1.1 each holds a connection for as long as it runs.
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"type":"BOOKMARK","object":{}}\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const transport = createHttpTransport({ server: `http://127.0.0.1:${port}` });
  const controller = new AbortController();
  try {
    const watches = 150;
    const opened = await Promise.all(
      Array.from({ length: watches }, (_, i) =>
        transport.stream({ method: 'GET', path: `/api/v1/r${i}?watch=true`, signal: controller.signal }),
      ),
    );
    assert.equal(opened.length, watches);
  } finally {
    controller.abort();
    await transport.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a burst of requests shares a bounded set of connections while watches stay open', {
  timeout: 15_000,
}, async () => {
  let connections = 0;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.url?.includes('watch=true')) res.write('{"type":"BOOKMARK","object":{}}\n');
    else setTimeout(() => res.end('{}'), 20);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const transport = createHttpTransport({ server: `http://127.0.0.1:${port}` });
  const controller = new AbortController();
  try {
    const watches = 100;
    await Promise.all(
      Array.from({ length: watches }, (_, i) =>
        transport.stream({ method: 'GET', path: `/api/v1/r${i}?watch=true`, signal: controller.signal }),
      ),
    );
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => transport.json({ method: 'GET', path: `/api/v1/x${i}` })),
    );
    assert.equal(answers.length, 1000);
    assert.ok(connections <= watches + 64, `${connections} connections for ${watches} watches and 1000 requests`);
  } finally {
    controller.abort();
    await transport.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
