import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { runCommand } from '../exec/run-command.js';
import { NftSession } from './nft-session.js';

// Real nft in a network namespace of its own (root only), removed after.
const NETNS = `flt-npsess-${randomBytes(3).toString('hex')}`;
const NFT = ['nsenter', `--net=/run/netns/${NETNS}`, 'nft'];
const root = process.getuid?.() === 0;
const list = async () => (await runCommand(NFT[0] as string, [...NFT.slice(1), 'list', 'ruleset'])).stdout;

before(async () => {
  if (root) await runCommand('ip', ['netns', 'add', NETNS]);
});
after(async () => {
  if (root) await runCommand('ip', ['netns', 'del', NETNS], { allowFailure: true });
});

test("nft session: scripts applied in order as transactions; a failing script changes nothing and reports nft's error; a killed nft is replaced", {
  skip: !root && 'needs root',
}, async () => {
  const s = new NftSession({ command: NFT });
  let last: number | undefined;
  try {
    await s.apply(
      [
        'add table ip t',
        'delete table ip t',
        'table ip t {',
        '  set s { type ipv4_addr; elements = { 10.0.0.1 }; }',
        '  chain c {',
        '    ip saddr @s accept comment "a b"',
        '    drop',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    await Promise.all([
      s.apply('add element ip t s { 10.0.0.2 }\n'),
      s.apply('add element ip t s { 10.0.0.3 }\n'),
      s.apply(''),
    ]);
    assert.match(await list(), /elements = \{ 10\.0\.0\.1, 10\.0\.0\.2,\s+10\.0\.0\.3 \}/);
    assert.match(await list(), /ip saddr @s accept comment "a b"\n\s+drop/);

    // All or nothing: the element is not added when a later command of the same script fails.
    await assert.rejects(
      s.apply('add element ip t s { 10.0.0.9 }\nadd rule ip t nochain drop\n'),
      /nft: Error: Could not process rule: No such file or directory[\s\S]*nochain/,
    );
    assert.doesNotMatch(await list(), /10\.0\.0\.9/);
    await s.apply('delete element ip t s { 10.0.0.1 }\n'); // the session still works after an error

    const pid = s.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    for (let t = Date.now(); s.pid !== undefined && Date.now() - t < 10000; )
      await new Promise((r) => setTimeout(r, 50));
    await s.apply('add element ip t s { 10.0.0.4 }\n');
    assert.notEqual(s.pid, pid);
    last = s.pid;
    assert.match(await list(), /elements = \{ 10\.0\.0\.2, 10\.0\.0\.3,\s+10\.0\.0\.4 \}/);
  } finally {
    await s.close();
  }
  assert.equal(s.pid, undefined);
  assert.throws(() => process.kill(last ?? 0, 0), /ESRCH/, 'close ends the nft process');
  await assert.rejects(s.apply('add table ip u\n'), /closed/);
});

test('nft session: an idle process ends after idleCloseMs; the next script starts a new one', {
  skip: !root && 'needs root',
}, async () => {
  const s = new NftSession({ command: NFT, idleCloseMs: 150 });
  try {
    await s.apply('add table ip idle\n');
    const first = s.pid;
    assert.ok(first);
    const gone = () => {
      try {
        process.kill(first, 0);
        return false;
      } catch {
        return true;
      }
    };
    for (let t = Date.now(); (s.pid !== undefined || !gone()) && Date.now() - t < 10000; )
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.pid, undefined);
    assert.ok(gone(), 'the idle nft process ended');
    await s.apply('add chain ip idle c\n');
    assert.ok(s.pid && s.pid !== first);
    assert.match(await list(), /table ip idle \{\s+chain c/);
  } finally {
    await s.close();
  }
});
