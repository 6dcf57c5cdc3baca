import assert from 'node:assert/strict';
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { grpcHealthCheck, healthCheckRequestFrame, healthCheckResponseStatus, runProbe } from './prober.js';

/** A tiny grpc.health.v1 server: service "" and "db" answer SERVING, "cache" NOT_SERVING, others NOT_FOUND (grpc-status 5). */
let server: Http2Server;
let port = 0;
const seen: string[] = [];

function frame(msg: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

before(async () => {
  server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const msg = body.subarray(5);
      const service = msg.length ? msg.subarray(2, 2 + (msg[1] ?? 0)).toString() : '';
      seen.push(`${String(headers[':path'])} ${String(headers['content-type'])} ${service}`);
      const status = service === '' || service === 'db' ? 1 : service === 'cache' ? 2 : -1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () =>
        stream.sendTrailers({
          'grpc-status': status < 0 ? '5' : '0',
          ...(status < 0 ? { 'grpc-message': 'unknown service' } : {}),
        }),
      );
      stream.end(status < 0 ? undefined : frame(Buffer.from([0x08, status])));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise<void>((r) => server.close(() => r())));

test('health check request and response encoding', () => {
  assert.deepEqual([...healthCheckRequestFrame('')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...healthCheckRequestFrame('db')], [0, 0, 0, 0, 4, 0x0a, 2, 0x64, 0x62]);
  assert.equal(healthCheckRequestFrame('x'.repeat(200)).readUInt32BE(1), 203); // two-byte varint length
  assert.equal(healthCheckResponseStatus(frame(Buffer.from([0x08, 0x01]))), 1);
  assert.equal(healthCheckResponseStatus(frame(Buffer.alloc(0))), 0); // UNKNOWN is the default
});

test('grpc probe: SERVING succeeds, NOT_SERVING, an unknown service and a closed port fail', async () => {
  assert.equal(await grpcHealthCheck('127.0.0.1', port, '', 2000), undefined);
  assert.equal(await grpcHealthCheck('127.0.0.1', port, 'db', 2000), undefined);
  assert.equal(
    await grpcHealthCheck('127.0.0.1', port, 'cache', 2000),
    'service unhealthy (responded with "NOT_SERVING")',
  );
  assert.match((await grpcHealthCheck('127.0.0.1', port, 'nope', 2000)) ?? '', /grpc-status 5: unknown service/);
  assert.ok(seen.includes('/grpc.health.v1.Health/Check application/grpc db'), seen.join('\n'));
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  assert.match((await grpcHealthCheck('127.0.0.1', closedPort, '', 2000)) ?? '', /ECONNREFUSED/);
});

test('runProbe grpc: against the pod IP, with the failure told to detail', async () => {
  const target = { podIP: '127.0.0.1', exec: async () => 0 };
  assert.equal(await runProbe({ grpc: { port } }, { name: 'c' }, target, 2000), true);
  let why = '';
  assert.equal(
    await runProbe({ grpc: { port, service: 'cache' } }, { name: 'c' }, target, 2000, (m) => (why = m)),
    false,
  );
  assert.equal(why, 'service unhealthy (responded with "NOT_SERVING")');
});
