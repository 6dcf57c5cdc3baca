import { messageType } from './schema-root.js';

/** The 4-byte prefix of every Kubernetes protobuf body: `k8s\0`. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

const UNKNOWN = 'k8s.io.apimachinery.pkg.runtime.Unknown';

/** The content of a runtime.Unknown envelope. */
export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** Whether `body` starts with the `k8s\0` magic. */
export function hasMagic(body: Uint8Array): boolean {
  return body.length >= 4 && PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

/** Opens `k8s\0` + runtime.Unknown. Throws Error if the magic is missing or the bytes are malformed. */
export function openEnvelope(body: Uint8Array): Envelope {
  if (!hasMagic(body)) throw new Error('missing protobuf magic prefix "k8s\\x00"');
  const msg = messageType(UNKNOWN).decode(body.subarray(4)) as unknown as {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: Uint8Array;
    contentEncoding?: string;
    contentType?: string;
  };
  return {
    apiVersion: msg.typeMeta?.apiVersion ?? '',
    kind: msg.typeMeta?.kind ?? '',
    raw: msg.raw ?? new Uint8Array(0),
    contentEncoding: msg.contentEncoding ?? '',
    contentType: msg.contentType ?? '',
  };
}

/** Wraps an object's protobuf bytes as Kubernetes does: `k8s\0` + runtime.Unknown{typeMeta, raw, "", ""}. */
export function sealEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const unknown = messageType(UNKNOWN)
    .encode({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })
    .finish();
  const out = new Uint8Array(4 + unknown.length);
  out.set(PROTOBUF_MAGIC, 0);
  out.set(unknown, 4);
  return out;
}
