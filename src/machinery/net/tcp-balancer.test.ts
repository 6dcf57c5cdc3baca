import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { splitHostPort, startTcpBalancer } from './tcp-balancer.js';

/** A TCP server answering every connection with its name, then closing. */
async function namedServer(name: string): Promise<{ server: Server; addr: string }> {
  const server = createServer((s) => s.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return { server, addr: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` };
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect({ host: '127.0.0.1', port });
    s.setEncoding('utf8').on('data', (c: string) => (text += c));
    s.on('close', () => resolve(text));
    s.on('error', reject);
  });
}

test('tcp balancer: connections go to the current server, the next one when it is gone, the list replaceable', async () => {
  const a = await namedServer('a');
  const b = await namedServer('b');
  const c = await namedServer('c');
  const switches: string[] = [];
  const lb = await startTcpBalancer({
    servers: [a.addr, b.addr],
    fallback: c.addr,
    onSwitch: (from, to) => switches.push(`${from}->${to}`),
  });
  try {
    assert.deepEqual(lb.servers(), [a.addr, b.addr, c.addr]);
    assert.equal(await ask(lb.port), 'a');
    assert.equal(await ask(lb.port), 'a', 'sticky');
    await new Promise<void>((r) => a.server.close(() => r()));
    assert.equal(await ask(lb.port), 'b', 'a refused: b answers the same connection');
    assert.equal(lb.current(), b.addr);
    assert.deepEqual(switches, [`${a.addr}->${b.addr}`]);
    lb.setServers([c.addr, a.addr]);
    assert.deepEqual(lb.servers(), [c.addr, a.addr]);
    assert.equal(await ask(lb.port), 'c', 'b is no longer an endpoint');
    lb.setServers([]);
    assert.deepEqual(lb.servers(), [c.addr, a.addr], 'an empty list changes nothing');
    await new Promise<void>((r) => c.server.close(() => r()));
    // c refused, a refused: the connection is closed without an answer.
    assert.equal(await ask(lb.port), '');
  } finally {
    await lb.stop();
    b.server.close();
  }
});

test('splitHostPort: IPv4, names and bracketed IPv6', () => {
  assert.deepEqual(splitHostPort('10.0.0.1:6443'), { host: '10.0.0.1', port: 6443 });
  assert.deepEqual(splitHostPort('[fd00::1]:6443'), { host: 'fd00::1', port: 6443 });
  assert.throws(() => splitHostPort('nohost'), /not host:port/);
});
