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
