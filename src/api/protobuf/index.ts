import { errors } from '../errors.js';
import type { KubeObject } from '../object.js';
import { type Envelope, openEnvelope, sealEnvelope, hasMagic } from './envelope.js';
import { jsonToMessage } from './from-json.js';
import { messageNameFor } from './kinds.js';
import { messageType } from './schema-root.js';
import { messageToJson } from './to-json.js';

export { supportedKinds } from './kinds.js';

const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** Whether a Content-Type header names Kubernetes protobuf (`application/vnd.kubernetes.protobuf`,
 *  any parameters, any case). The watch-stream variant (`;stream=watch`) is not a request body type. */
export function isProtobufContentType(ct: string): boolean {
  const [media, ...params] = ct.split(';').map((s) => s.trim().toLowerCase());
  return media === PROTOBUF_MEDIA_TYPE && !params.some((p) => p.replace(/\s/g, '') === 'stream=watch');
}

/**
 * Decodes a Kubernetes protobuf request body (`k8s\0` + runtime.Unknown wrapping the object's
 * protobuf bytes) into the JSON object Kubernetes would have received as JSON, with apiVersion and
 * kind set and `metadata` always present. Supported kinds: see supportedKinds(). Throws
 * errors.badRequest (400) for a missing magic, an unsupported kind, a non-protobuf inner encoding
 * or malformed bytes; never anything else.
 */
export function decodeProtobufObject(body: Uint8Array): KubeObject {
  if (!hasMagic(body)) throw errors.badRequest('protobuf body does not start with the "k8s\\x00" prefix');
  let env: Envelope;
  try {
    env = openEnvelope(body);
  } catch (e) {
    throw errors.badRequest(`malformed protobuf envelope: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!env.kind || !env.apiVersion) throw errors.badRequest('protobuf envelope has no apiVersion/kind');
  if (env.contentEncoding !== '' || (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE)) {
    throw errors.badRequest(`unsupported inner encoding ${JSON.stringify(env.contentEncoding || env.contentType)}`);
  }
  const name = messageNameFor(env.apiVersion, env.kind);
  if (!name) throw errors.badRequest(`no protobuf decoder for ${env.apiVersion}, Kind=${env.kind}`);
  let fields: Record<string, unknown>;
  try {
    const type = messageType(name);
    fields = messageToJson(type, type.decode(env.raw) as unknown as Record<string, unknown>);
  } catch (e) {
    throw errors.badRequest(`malformed protobuf ${env.kind}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { metadata, ...rest } = fields;
  return { apiVersion: env.apiVersion, kind: env.kind, metadata: (metadata ?? {}) as KubeObject['metadata'], ...rest };
}

/**
 * Encodes a JSON object as a Kubernetes protobuf body (`k8s\0` + runtime.Unknown), as the Go client
 * would. Throws errors.badRequest for an unsupported apiVersion/kind or values of the wrong shape.
 */
export function encodeProtobufObject(obj: KubeObject): Uint8Array {
  const name = messageNameFor(obj.apiVersion, obj.kind);
  if (!name) throw errors.badRequest(`no protobuf encoder for ${obj.apiVersion}, Kind=${obj.kind}`);
  try {
    const type = messageType(name);
    const raw = type.encode(jsonToMessage(type, obj as unknown as Record<string, unknown>)).finish();
    return sealEnvelope(obj.apiVersion, obj.kind, raw);
  } catch (e) {
    throw errors.badRequest(`cannot encode ${obj.kind} as protobuf: ${e instanceof Error ? e.message : String(e)}`);
  }
}
