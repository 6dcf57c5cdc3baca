import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HelperSpawner } from './helper-spawner.js';
import { runCommand } from './run-command.js';

test('runCommand through the spawner: stdout, stderr, exit code, input, empty and spaced arguments', async () => {
  const r = await runCommand(
    'sh',
    ['-c', 'echo out; echo err >&2; printf "[%s]" "$1" "$2"; cat; exit 3', 'x', '', 'a b'],
    { input: 'IN\n', allowFailure: true },
  );
  assert.deepEqual(r, { code: 3, stdout: 'out\n[][a b]IN\n', stderr: 'err\n' });
  await assert.rejects(runCommand('sh', ['-c', 'exit 4']), /exited 4/);
});

test('runCommand through the spawner: env replaces the environment; a missing binary rejects with ENOENT; timeout kills (124)', async () => {
  const env = await runCommand('/usr/bin/env', [], { env: { A: '1', B: 'x=y' } });
  assert.equal(env.stdout, 'A=1\nB=x=y\n');
  await assert.rejects(runCommand('/nonexistent/helper', []), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
  const t0 = Date.now();
  const slept = await runCommand('sleep', ['5'], { timeoutMs: 200, allowFailure: true });
  assert.equal(slept.code, 124);
  assert.ok(Date.now() - t0 < 3000);
});

test('spawner: fd 3 pipe forwarded, stderr to a file, own session, pipes detached before a child of the command exits', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-spawner-'));
  try {
    const spawner = new HelperSpawner();
    // Like conmon: the command forks a long-lived child that keeps fd 3, writes to it, and exits itself.
    const script = 'echo oops >&2; (echo "{\\"data\\": $(cut -d" " -f6 /proc/self/stat)}" >&3; sleep 30) & exit 0';
    let fd3 = '';
    const exited = new Promise<[number, number, number]>((resolve) => {
      const h = spawner.start(
        {
          file: '/bin/sh',
          args: ['-c', script],
          cwd: dir,
          stderr: { file: join(dir, 'err') },
          fd3: true,
          newSession: true,
        },
        {
          onFd3: (c) => {
            fd3 += c.toString();
            if (fd3.includes('}')) h.detachPipes();
          },
          onExit: (...a) => resolve(a),
        },
      );
    });
    assert.deepEqual(await exited, [0, 0, 0]); // reported once the pipe is detached, not after the 30 s sleep
    const sid = Number(/\{"data": (\d+)\}/.exec(fd3)?.[1]);
    const ownSid = Number((await readFile('/proc/self/stat', 'utf8')).split(') ')[1]?.split(' ')[3]);
    // Ours reads 0 when our session leader lives outside this PID namespace (as in CI's container).
    assert.ok(sid > 0 && sid !== ownSid, `session id ${sid}, ours ${ownSid}`);
    assert.equal(await readFile(join(dir, 'err'), 'utf8'), 'oops\n');
    await runCommand('pkill', ['-s', String(sid), 'sleep'], { allowFailure: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
