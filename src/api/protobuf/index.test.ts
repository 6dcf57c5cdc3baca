import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { decodeProtobufObject, encodeProtobufObject, isProtobufContentType } from './index.js';
import { sealEnvelope } from './envelope.js';

function assertBadRequest(fn: () => unknown, re: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && re.test(e.message),
  );
}

test('isProtobufContentType recognises the protobuf media type only', () => {
  assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf'), true);
  assert.equal(isProtobufContentType('Application/VND.Kubernetes.Protobuf; charset=utf-8'), true);
  assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf;stream=watch'), false);
  assert.equal(isProtobufContentType('application/json'), false);
  assert.equal(isProtobufContentType(''), false);
});

test('a body without the k8s\\0 magic is a 400', () => {
  assertBadRequest(() => decodeProtobufObject(new TextEncoder().encode('{"kind":"Pod"}')), /prefix/);
  assertBadRequest(() => decodeProtobufObject(new Uint8Array(0)), /prefix/);
});

test('an unknown kind is a 400 naming it', () => {
  const body = sealEnvelope('example.com/v1', 'Widget', new Uint8Array(0));
  assertBadRequest(() => decodeProtobufObject(body), /example\.com\/v1, Kind=Widget/);
});

test('truncated or garbage bytes are a 400, not a crash', () => {
  const good = encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } });
  for (let cut = 5; cut < good.length; cut += 3) {
    try {
      decodeProtobufObject(good.subarray(0, cut));
    } catch (e) {
      assert.ok(e instanceof ApiError && e.code === 400, `cut at ${cut}: ${String(e)}`);
    }
  }
  assertBadRequest(
    () => decodeProtobufObject(Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff, 0xff)),
    /malformed/,
  );
  const raw = Uint8Array.of(0x0a, 0x05, 0x01); // metadata claims 5 bytes, has 1
  assertBadRequest(() => decodeProtobufObject(sealEnvelope('v1', 'ConfigMap', raw)), /malformed protobuf ConfigMap/);
});

test('an envelope without kind is a 400', () => {
  assertBadRequest(() => decodeProtobufObject(sealEnvelope('', '', new Uint8Array(0))), /apiVersion\/kind/);
});

test('an empty object body decodes with empty metadata', () => {
  assert.deepEqual(decodeProtobufObject(sealEnvelope('v1', 'Namespace', new Uint8Array(0))), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {},
  });
});

test('encoding an unsupported kind or a wrongly shaped value is a 400', () => {
  assertBadRequest(() => encodeProtobufObject({ apiVersion: 'v9', kind: 'Nope', metadata: {} }), /no protobuf encoder/);
  assertBadRequest(
    () => encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: ['x'] }),
    /expected a map/,
  );
  assertBadRequest(
    () => encodeProtobufObject({ apiVersion: 'v1', kind: 'Pod', metadata: { creationTimestamp: 'yesterday' } }),
    /invalid time/,
  );
});
