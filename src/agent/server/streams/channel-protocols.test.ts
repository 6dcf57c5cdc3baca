import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNEL_PROTOCOLS, channelProtocol, decodeChannelMessage, encodeChannelMessage } from './channel-protocols.js';
import { errorChannelPayload, exitStatus, SUCCESS } from './remote-command.js';

const named = (name: string) => {
  const p = channelProtocol(name);
  assert.ok(p, name);
  return p;
};

test('the subprotocols Kubernetes speaks over WebSocket, v5 first', () => {
  assert.deepEqual(
    CHANNEL_PROTOCOLS.map((p) => p.name),
    ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'],
  );
  assert.equal(channelProtocol('v3.channel.k8s.io'), undefined); // SPDY only
  assert.equal(channelProtocol('')?.base64, false);
});

test('binary protocols prefix the channel byte; base64 ones a channel digit and base64 text', () => {
  assert.deepEqual(encodeChannelMessage(named('v4.channel.k8s.io'), 1, Buffer.from('hi')), {
    data: Buffer.from([1, 104, 105]),
    binary: true,
  });
  assert.deepEqual(encodeChannelMessage(named('base64.channel.k8s.io'), 1, Buffer.from('foo\n')), {
    data: '1Zm9vCg==',
    binary: false,
  });
  assert.deepEqual(decodeChannelMessage(named('v4.base64.channel.k8s.io'), Buffer.from('0Zm9vCg==')), {
    channel: 0,
    payload: Buffer.from('foo\n'),
  });
  assert.deepEqual(decodeChannelMessage(named('v5.channel.k8s.io'), Buffer.from([255, 0])), {
    channel: 255,
    payload: Buffer.from([0]),
  });
  assert.equal(decodeChannelMessage(named('base64.channel.k8s.io'), Buffer.from('0not base64!')), undefined);
  assert.equal(decodeChannelMessage(named('channel.k8s.io'), Buffer.alloc(0)), undefined);
});

test('v4 and later carry the Status as JSON; earlier protocols only a failure message', () => {
  const v4 = named('v4.channel.k8s.io');
  const v1 = named('channel.k8s.io');
  assert.deepEqual(JSON.parse(String(errorChannelPayload(v4, exitStatus(3)))).details.causes, [
    { reason: 'ExitCode', message: '3' },
  ]);
  assert.equal(String(errorChannelPayload(v4, SUCCESS)), '{"metadata":{},"status":"Success"}');
  assert.equal(errorChannelPayload(v1, SUCCESS), undefined);
  assert.equal(
    String(errorChannelPayload(v1, exitStatus(3))),
    'command terminated with non-zero exit code: exit status 3',
  );
});
