/**
 * The command tree of `flotilla`. Kept light: only commander loads before a subcommand runs; each
 * command imports what it needs when it runs (start-up time to a served /readyz is a goal).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ServeFlags } from './run-server.js';

export const DEFAULT_DATA_DIR = '/var/lib/flotilla';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function parseDatastore(value: string): string {
  if (value === 'sqlite' || value === 'memory' || /^etcd:\/\/[^,\s]+(,[^,\s]+)*$/.test(value)) return value;
  throw new InvalidArgumentError('must be sqlite, memory or etcd://HOST:PORT[,HOST:PORT...]');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function serveOptions(cmd: Command, withDatastore: boolean): Command {
  cmd
    .option('--data-dir <dir>', 'database, TLS material, tokens and kubeconfig', DEFAULT_DATA_DIR)
    .option('--port <port>', 'HTTPS port of the Kubernetes API', parsePort, 6443)
    .option('--bind-address <ip>', 'address to listen on', '0.0.0.0')
    .option('--tls-san <name>', 'extra host name or IP for the serving certificate (repeatable)', collect, [])
    .addOption(new Option('--log-level <level>', 'log level of the JSON logs on stderr').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'));
  if (withDatastore) cmd.option('--datastore <spec>', 'sqlite (in the data dir), memory, or etcd://HOST:PORT[,HOST:PORT...]', parseDatastore, 'sqlite');
  return cmd;
}

/** Builds the command tree (exported for tests: parse with `{ from: 'user' }`). */
export function buildProgram(): Command {
  const program = new Command('flotilla')
    .description('A container orchestrator that speaks the Kubernetes API')
    .version('0.1.0');

  serveOptions(program.command('server').description('run the control plane (Kubernetes API server)'), true)
    .action(async (flags: ServeFlags) => {
      const { runServer } = await import('./run-server.js');
      await runServer(flags, 'server');
    });

  serveOptions(program.command('up').description('run a single-node cluster in one process (SQLite store)'), false)
    .action(async (flags: Omit<ServeFlags, 'datastore'>) => {
      const { runServer } = await import('./run-server.js');
      await runServer({ ...flags, datastore: 'sqlite' }, 'up');
    });
  return program;
}
