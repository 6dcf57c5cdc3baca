import type { IncomingMessage } from 'node:http';
import { errors } from '../api/errors.js';
import { isStackOverflow, jsonTooDeep, tooDeepMessage, valueTooDeep, yamlMayBeTooDeep } from '../api/nesting-depth.js';

const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

/** Kubernetes' limit on a request body (3 MiB, as kube-apiserver's MaxRequestBodyBytes). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Requests whose body another part wants once it is read (the audit log at level Request and above). */
const bodyListeners = new WeakMap<IncomingMessage, (body: Buffer) => void>();

/** Calls `listener` with the body of `req` once a handler has read it. */
export function onBodyRead(req: IncomingMessage, listener: (body: Buffer) => void): void {
  bodyListeners.set(req, listener);
}

/** Reads the whole body; a body over the limit is a 413 and the rest is discarded. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw errors.tooLarge(`the request body is too large: limit is ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw errors.tooLarge(`the request body is too large: limit is ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  bodyListeners.get(req)?.(body);
  return body;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

let yamlModule: Promise<typeof import('yaml')> | undefined;

/**
 * Parses a JSON or YAML document; malformed input is a 400 naming the problem. The YAML parser is
 * loaded on first use (it is a noticeable part of start-up and most requests are JSON).
 */
export async function parseDocument(body: Buffer, type: 'json' | 'yaml'): Promise<unknown> {
  let text: string;
  try {
    // YAML must be valid UTF-8 (as Go's YAML decoder insists); JSON's invalid bytes become U+FFFD.
    text = type === 'yaml' ? UTF8_STRICT.decode(body) : body.toString('utf8');
  } catch {
    throw errors.badRequest('error converting YAML to JSON: yaml: invalid leading UTF-8 octet');
  }
  if (type === 'json') return parseJson(text);
  if (isBlank(text)) throw errors.badRequest('the request body is empty');
  // The YAML parser recurses per level, and overflowing the stack inside it can end the process
  // (see api/nesting-depth.ts): text that might nest too deeply never reaches it.
  if (yamlMayBeTooDeep(text)) throw errors.badRequest(`error converting YAML to JSON: yaml: ${tooDeepMessage()}`);
  const yaml = await (yamlModule ??= import('yaml'));
  let doc: unknown;
  try {
    doc = yaml.parse(text, { maxAliasCount: 100 });
  } catch (e) {
    if (isStackOverflow(e)) throw errors.badRequest(`error converting YAML to JSON: yaml: ${tooDeepMessage()}`);
    throw errors.badRequest(`error converting YAML to JSON: ${firstLine(e)}`);
  }
  if (valueTooDeep(doc)) throw errors.badRequest(`error converting YAML to JSON: yaml: ${tooDeepMessage()}`);
  return doc;
}

/**
 * parseDocument for JSON already decoded to text (decodeObject also scans it for duplicate keys).
 * JSON nested deeper than MAX_NESTING_DEPTH is a 400, as Kubernetes' decoder refuses it (at
 * 10,000 levels there): nothing downstream then walks a value deeper than that. `checkDepth`
 * false: the caller checks the depth itself (decodeObject, in its duplicate-key scan).
 */
export function parseJson(text: string, checkDepth = true): unknown {
  if (isBlank(text)) throw errors.badRequest('the request body is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${firstLine(e)}`);
  }
  if (checkDepth && jsonTooDeep(text))
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${tooDeepMessage()}`);
  return doc;
}

/** `text.trim() === ''`, without trimming a body that starts like a document. */
function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  return c !== 0x7b && c !== 0x5b && text.trim() === '';
}

function firstLine(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/** True for a plain object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
