import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogLine } from './attach.js';
import { servedTime } from './container-logs.js';
import { runcFailure, streamFlags } from './exec.js';
import { exitStatus } from './streams/remote-command.js';

test('stream flags from the exec query (true/1, kubelet aliases)', () => {
  assert.deepEqual(streamFlags(new URLSearchParams('stdin=true&stdout=1&stderr=false&tty=true')), {
    stdin: true,
    stdout: true,
    stderr: false,
    tty: true,
  });
  assert.deepEqual(streamFlags(new URLSearchParams('input=1&output=1&error=1')), {
    stdin: true,
    stdout: true,
    stderr: true,
    tty: false,
  });
});

test('exit codes become the Status kubectl exits with', () => {
  assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' });
  const s = exitStatus(3);
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
});

test("runc's own failure line is recognised, other stderr is not", () => {
  const line =
    'time="2026-11-28T04:08:30Z" level=error msg="exec failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH"\n';
  assert.equal(
    runcFailure(line),
    'exec failed: unable to start container process: exec: "nope": executable file not found in $PATH',
  );
  assert.equal(runcFailure('err\n'), undefined);
  assert.equal(runcFailure(`${line}more\n`), undefined);
});

test('k8s-file log lines split back into streams; P lines have no newline', () => {
  assert.deepEqual(parseLogLine('2026-11-28T04:00:00.1Z stdout F tick 1'), { stream: 'stdout', text: 'tick 1\n' });
  assert.deepEqual(parseLogLine('2026-11-28T04:00:00.1Z stderr P part'), { stream: 'stderr', text: 'part' });
  assert.deepEqual(parseLogLine('2026-11-28T04:00:00.1Z stdout F '), { stream: 'stdout', text: '\n' });
  assert.equal(parseLogLine('garbage'), undefined);
});

test('log timestamps are served as the kubelet formats them (RFC3339Nano, Z for UTC)', () => {
  assert.equal(servedTime('2026-12-07T16:57:30.469446264+00:00'), '2026-12-07T16:57:30.469446264Z');
  assert.equal(servedTime('2026-12-07T16:57:30.469446200+00:00'), '2026-12-07T16:57:30.4694462Z');
  assert.equal(servedTime('2026-12-07T16:57:30.000000000+01:00'), '2026-12-07T16:57:30+01:00');
  assert.equal(servedTime('2026-12-07T16:57:30Z'), '2026-12-07T16:57:30Z');
});
