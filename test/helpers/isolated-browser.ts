/**
 * Headless Chromium in a network namespace of its own, so that other tests adding and removing
 * veths and bridges on the host do not reach it: Chromium aborts every request in flight
 * (net::ERR_NETWORK_CHANGED) when the interfaces it sees change.
 *
 * Inside the namespace only loopback is up. A forwarder there listens on 127.0.0.1:<port> (the same
 * port as the server on the host's loopback, so URLs stay as they are) and passes each connection
 * through a Unix socket (file paths cross network namespaces) to this process, which connects it to
 * the server. DevTools runs over pipes (`pipe: true`), not a TCP port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { runCommand } from '../../src/machinery/exec/run-command.js';
import { sh } from './client-netns.js';
import { until } from './wait-until.js';

export interface IsolatedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Pipes two sockets together; either side closing or failing closes both. */
function splice(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

/** Runs inside the namespace: TCP on 127.0.0.1:PORT → the Unix socket SOCKET. */
const FORWARDER = `
const net = require('node:net');
const [port, socket] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(socket);
  c.pipe(u).pipe(c);
  const end = () => { c.destroy(); u.destroy(); };
  c.on('error', end).on('close', end);
  u.on('error', end).on('close', end);
}).listen(Number(port), '127.0.0.1', () => console.log('listening'));
`;

/** Launches Chromium in a fresh network namespace that reaches `serverPort` on 127.0.0.1. */
export async function launchIsolatedBrowser(
  chromium: string,
  serverPort: number,
  args: string[] = [],
): Promise<IsolatedBrowser> {
  const hex = Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  const netns = `flt-br-${hex}`;
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-browser-'));
  const socketPath = join(dir, 'server.sock');
  let bridge: Server | undefined;
  let forwarder: ChildProcess | undefined;
  let browser: Browser | undefined;

  const close = async () => {
    await browser?.close().catch(() => undefined);
    forwarder?.kill('SIGKILL');
    await new Promise<void>((resolve) => (bridge ? bridge.close(() => resolve()) : resolve()));
    await runCommand('ip', ['netns', 'del', netns], { allowFailure: true });
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await sh('ip', ['netns', 'add', netns]);
    await sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);

    const server = createServer((c) => splice(c, connect(serverPort, '127.0.0.1')));
    bridge = server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));

    const child = spawn(
      'ip',
      ['netns', 'exec', netns, process.execPath, '-e', FORWARDER, String(serverPort), socketPath],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    forwarder = child;
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await until(`the forwarder in ${netns}`, () => out.includes('listening') || child.exitCode !== null);
    if (child.exitCode !== null) throw new Error(`the forwarder in ${netns} exited with ${child.exitCode}`);

    // puppeteer starts `executablePath` with Chromium's arguments: a wrapper enters the namespace.
    const wrapper = join(dir, 'chromium-in-netns');
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${netns} ${chromium} "$@"\n`);
    await chmod(wrapper, 0o755);
    browser = await puppeteer.launch({
      executablePath: wrapper,
      headless: true,
      pipe: true,
      acceptInsecureCerts: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', ...args],
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { browser, close };
}
