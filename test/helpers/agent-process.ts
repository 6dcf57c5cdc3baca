/**
 * A node agent in a child process of its own (startNode in a small script), so a test can kill it
 * with SIGKILL at any moment and start it again on the same data dir. The test chooses the bridge,
 * pod CIDR and blackhole routes instead of the host's defaults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cluster.js';
import { until } from './wait-until.js';

export interface AgentProcessConfig {
  server: string;
  /**
   * The agent's client certificate: its node identity `system:node:<name>` (group system:nodes), as
   * a `flotilla agent` holds after its bootstrap (see issueClientCertificate in real-node.ts).
   */
  clientCert: { certPem: string; keyPem: string };
  caPem: string;
  dataDir: string;
  nodeName: string;
  bridge: string;
  podCIDR: string;
  blackholeRoutes: string[];
}

const SCRIPT = (root: string) => `
const c = JSON.parse(process.env.AGENT_CONFIG ?? '{}');
const { createLogger } = await import(${JSON.stringify(join(root, 'src/server/create-logger.ts'))});
const { createClient } = await import(${JSON.stringify(join(root, 'src/machinery/client/index.ts'))});
const { startNode } = await import(${JSON.stringify(join(root, 'src/server/start-node.ts'))});
const client = createClient({ server: c.server, clientCert: c.clientCert, caPem: c.caPem });
await startNode({ client, dataDir: c.dataDir, nodeName: c.nodeName, nodeIP: '127.0.0.1', log: createLogger('warn'), bridge: c.bridge, podCIDR: c.podCIDR, blackholeRoutes: c.blackholeRoutes });
process.stdout.write('agent ready\\n');
`;

export class AgentProcess {
  private child: ChildProcess | undefined;
  private scriptDir = '';
  /** stdout and stderr of the current process. */
  output = '';

  constructor(private readonly config: AgentProcessConfig) {}

  /** Whether the agent process runs. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the agent; resolves once it runs its pod workers. */
  async start(): Promise<void> {
    if (!this.scriptDir) {
      this.scriptDir = await mkdtemp(join(tmpdir(), 'flotilla-agent-script-'));
      await writeFile(join(this.scriptDir, 'agent.mts'), SCRIPT(REPO_ROOT));
    }
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', join(this.scriptDir, 'agent.mts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, AGENT_CONFIG: JSON.stringify(this.config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    await until(
      'the agent ready',
      () => {
        if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}:\n${this.output}`);
        return this.output.includes('agent ready');
      },
      { timeoutMs: 30_000, describe: () => this.output },
    );
  }

  /** kill -9 of the agent process (its containers stay under conmon). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the process and removes the script. */
  async dispose(): Promise<void> {
    await this.kill();
    if (this.scriptDir) await rm(this.scriptDir, { recursive: true, force: true });
  }
}
