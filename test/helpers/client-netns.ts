/**
 * A client network namespace the test makes: a veth pair with the host end at `nodeIP` (the node's
 * address for the test) and the client end at `clientIP` in namespace `netns`, on 10.<octet>.<r>.0/24
 * with a random r, so a test sends traffic only to a network it made. create() before the node
 * starts (its address is the node's InternalIP), remove() after.
 */
import { runCommand } from '../../src/machinery/exec/run-command.js';

export interface ClientNetns {
  netns: string;
  hostVeth: string;
  clientVeth: string;
  nodeIP: string;
  clientIP: string;
  /** The random third octet, for further addresses in the same scheme. */
  r: number;
  create(): Promise<void>;
  remove(): Promise<void>;
}

/** Runs a command and throws with its stderr when it fails. */
export async function sh(cmd: string, args: string[]): Promise<void> {
  const r = await runCommand(cmd, args, { allowFailure: true });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** `tag`: one or two letters naming the test in the interface names (kept under 16 bytes). */
export function clientNetns(tag: string, octet: number): ClientNetns {
  const hex = Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0');
  const r = 100 + Math.floor(Math.random() * 100);
  const c: ClientNetns = {
    netns: `flt-${tag}-${hex}`,
    hostVeth: `f${tag}h${hex}`,
    clientVeth: `f${tag}c${hex}`,
    nodeIP: `10.${octet}.${r}.1`,
    clientIP: `10.${octet}.${r}.2`,
    r,
    async create() {
      await sh('ip', ['netns', 'add', c.netns]);
      await sh('ip', ['link', 'add', c.hostVeth, 'type', 'veth', 'peer', 'name', c.clientVeth, 'netns', c.netns]);
      await sh('ip', ['addr', 'add', `${c.nodeIP}/24`, 'dev', c.hostVeth]);
      await sh('ip', ['link', 'set', c.hostVeth, 'up']);
      await sh('ip', ['-n', c.netns, 'addr', 'add', `${c.clientIP}/24`, 'dev', c.clientVeth]);
      await sh('ip', ['-n', c.netns, 'link', 'set', c.clientVeth, 'up']);
      await sh('ip', ['-n', c.netns, 'link', 'set', 'lo', 'up']);
    },
    async remove() {
      await runCommand('ip', ['link', 'del', c.hostVeth], { allowFailure: true });
      await runCommand('ip', ['netns', 'del', c.netns], { allowFailure: true });
    },
  };
  return c;
}
