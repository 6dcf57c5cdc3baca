/**
 * A real `flotilla server` plus one in-process agent running real runc containers — the set-up the
 * agent, proxy, DNS, policy and metrics tests share. The agent gets its own bridge (`flt<hex>`), a
 * random pod /24 in 10.42.200-249 and no blackhole routes, so tests never touch a cluster running
 * on the host, and busybox imported from the machine's busybox-static. restartAgent() stops the
 * agent and starts a new one on the same data dir (containers keep running meanwhile). stop()
 * removes containers, the bridge, the data dir and the server.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RunningAgent } from '../../src/agent/agent.js';
import { startNode, type NodeOptions } from '../../src/server/start-node.js';
import type { PodObject } from '../../src/agent/pods/pod-workers.js';
import { createClient, type KubeClient } from '../../src/machinery/client/index.js';
import { busyboxArchive, removeBusyboxArchive } from '../fixtures/images/busybox.js';
import { startTestServer, type TestServer, type TestServerOptions } from './cluster.js';
import { onePod, PODS } from '../../src/machinery/resources/well-known.js';
import { issueLeaf } from '../../src/machinery/pki/issue-certs.js';
import { NodeClientCertificate } from '../../src/agent/certificates/index.js';

export interface RealNode {
  server: TestServer;
  /** The agent's client, as the node `system:node:<name>` (or with the join token, see options.credentials). */
  client: KubeClient;
  /** An admin client (system:masters) for what the test itself does: binding pods, watching them, reading events. */
  admin: KubeClient;
  /** The agent running now (restartAgent() replaces it). */
  agent: RunningAgent;
  nodeName: string;
  dataDir: string;
  bridge: string;
  /** e.g. `10.42.231.0/24`. */
  podCIDR: string;
  /** Binds a pod to this node through pods/binding (the test plays the scheduler). */
  bind(name: string, namespace?: string): Promise<void>;
  /** Resolves with the pod once `ok` holds for it (seen by a watch); rejects with its last status after timeoutMs. */
  waitForPod(name: string, ok: (p: PodObject) => boolean, timeoutMs?: number, namespace?: string): Promise<PodObject>;
  /** Runs the real kubectl; fails the test on a non-zero exit. Returns stdout. */
  kubectl(args: string[], stdin?: string): Promise<string>;
  /** Stops the agent and starts a new one with the same options and data dir; returns (and sets `agent` to) the new one. */
  restartAgent(): Promise<RunningAgent>;
  stop(): Promise<void>;
}

export interface RealNodeOptions {
  /** Node name prefix (a random hex suffix is added). */
  name: string;
  server?: TestServerOptions;
  /** Agent options on top of the test defaults (e.g. `proxy: false`, `dns: false`). */
  agent?: Partial<NodeOptions>;
  /** Import busybox as `busybox:latest` (default true). */
  busybox?: boolean;
  /** The node's pod /24 (default: a random one in 10.42.200-249). */
  podCIDR?: string;
  /** Runs before the agent starts, e.g. to write `<data-dir>/registries.yaml`. */
  prepareDataDir?: (dataDir: string) => Promise<void>;
  /**
   * How the agent authenticates. 'bootstrap' (default, as `flotilla agent`): a client certificate
   * `system:node:<name>` (O=system:nodes) requested with the join token through a
   * CertificateSigningRequest the server's controllers approve and sign, kept in the agent's data
   * dir. 'node-certificate': the same identity issued directly from the server's CA (no controllers
   * needed). 'join-token': the join token itself, a node only with `--authorization-mode RBAC`.
   */
  credentials?: 'bootstrap' | 'join-token' | 'node-certificate';
}

/** A client certificate for `subject` (`CN=..., O=...`) from the CA in a server's data dir. */
export async function issueClientCertificate(
  serverDataDir: string,
  subject: string,
): Promise<{ certPem: string; keyPem: string }> {
  const dir = join(serverDataDir, 'tls');
  const [cert, key] = await Promise.all([readFile(join(dir, 'ca.crt'), 'utf8'), readFile(join(dir, 'ca.key'), 'utf8')]);
  const leaf = await issueLeaf({ cert, key }, { subject, usage: 'client', validDays: 1 });
  return { certPem: leaf.cert, keyPem: leaf.key };
}

/** The agent's API client for the chosen credentials (see RealNodeOptions.credentials). */
async function agentClient(
  credentials: NonNullable<RealNodeOptions['credentials']>,
  server: TestServer,
  nodeName: string,
  dataDir: string,
): Promise<KubeClient> {
  const conn = { server: server.url, caPem: server.caPem, userAgent: 'flotilla-agent' };
  if (credentials === 'join-token') return createClient({ ...conn, token: server.joinToken });
  if (credentials === 'node-certificate')
    return createClient({
      ...conn,
      clientCert: await issueClientCertificate(server.dataDir, `CN=system:node:${nodeName}, O=system:nodes`),
    });
  const certificate = await NodeClientCertificate.load({
    dataDir,
    nodeName,
    caPem: server.caPem,
    log: pino({ level: 'silent' }),
    bootstrapClient: () => createClient({ ...conn, token: server.joinToken }),
  });
  return createClient({ ...conn, clientCert: certificate });
}

export async function startRealNode(o: RealNodeOptions): Promise<RealNode> {
  const suffix = Math.floor(Math.random() * 0xffff).toString(16);
  const nodeName = `${o.name}-${suffix}`;
  const bridge = `flt${suffix}`;
  const podCIDR = o.podCIDR ?? `10.42.${200 + Math.floor(Math.random() * 50)}.0/24`;
  const dataDir = await mkdtemp(join(tmpdir(), `flotilla-${o.name}-`));
  const log = pino({ level: process.env.FLOTILLA_TEST_LOG ?? 'silent' });
  const server = await startTestServer(o.server);
  const admin = createClient({ server: server.url, caPem: server.caPem, token: server.token });
  const client = await agentClient(o.credentials ?? 'bootstrap', server, nodeName, dataDir).catch(async (err) => {
    await admin.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const agentOptions: NodeOptions = {
    client,
    dataDir,
    nodeName,
    nodeIP: '127.0.0.1',
    log,
    clusterCaPem: server.caPem,
    bridge,
    podCIDR,
    blackholeRoutes: [],
    ...o.agent,
  };
  let agent: RunningAgent | undefined;
  const stop = async (): Promise<void> => {
    await agent?.stop(); // a second stop (the test stopped it) is harmless
    await agent?.runtime.destroyAll();
    await agent?.network.removeBridge();
    await client.close();
    await admin.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    await removeBusyboxArchive(); // a no-op unless this process built it (the registry helper does too)
  };
  try {
    await o.prepareDataDir?.(dataDir);
    agent = await startNode(agentOptions);
    if (o.busybox !== false) {
      const [img] = await agent.images.importArchive(await busyboxArchive());
      if (img) await agent.images.layerDirs(img);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const node: RealNode = {
    server,
    client,
    admin,
    agent,
    nodeName,
    dataDir,
    bridge,
    podCIDR,
    stop,
    async restartAgent() {
      await node.agent.stop();
      agent = await startNode(agentOptions);
      node.agent = agent;
      return agent;
    },
    async bind(name, namespace = 'default') {
      await admin.create(
        onePod(name),
        namespace,
        { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: nodeName } },
        { subresource: 'binding' },
      );
    },
    waitForPod(name, ok, timeoutMs = 30_000, namespace = 'default') {
      return new Promise((resolve, reject) => {
        let last: PodObject | undefined;
        const timer = setTimeout(() => {
          handle.stop();
          reject(
            new Error(`pod ${name}: condition not met in ${timeoutMs} ms; last status ${JSON.stringify(last?.status)}`),
          );
        }, timeoutMs);
        const handle = admin.watch<PodObject>(
          PODS,
          namespace,
          { fieldSelector: `metadata.name=${name}`, resourceVersion: '0' },
          (ev) => {
            if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
            last = ev.object;
            if (ok(ev.object)) {
              clearTimeout(timer);
              handle.stop();
              resolve(ev.object);
            }
          },
        );
        handle.done.catch(reject);
      });
    },
    async kubectl(args, stdin) {
      const r = await server.kubectl(args, stdin === undefined ? {} : { stdin });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
  };
  return node;
}
