import protobuf from 'protobufjs';
import { FIELDS_V1, INT_OR_STRING, MICRO_TIME, QUANTITY, TIME, fullNameOf, isInline } from './well-known.js';

type Json = Record<string, unknown>;

/** Parses an RFC3339 timestamp into metav1.Time's {seconds, nanos}; throws on anything else. */
export function parseTime(value: unknown): { seconds: number; nanos: number } {
  if (typeof value !== 'string') throw new TypeError(`expected an RFC3339 time string, got ${JSON.stringify(value)}`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`invalid time ${JSON.stringify(value)}`);
  const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
  const nanos = Number(`${frac}000000000`.slice(0, 9));
  return { seconds: Math.floor(ms / 1000), nanos };
}

function messageInput(type: protobuf.Type, value: unknown): unknown {
  switch (fullNameOf(type)) {
    case TIME:
    case MICRO_TIME:
      return parseTime(value);
    case QUANTITY:
      return { string: String(value) };
    case INT_OR_STRING:
      return typeof value === 'number' ? { type: 0, intVal: value } : { type: 1, strVal: String(value) };
    case FIELDS_V1:
      return { Raw: Buffer.from(JSON.stringify(value), 'utf8') };
    default:
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new TypeError(`expected an object for ${fullNameOf(type)}`);
      return jsonToMessage(type, value as Json);
  }
}

function elementInput(field: protobuf.Field, value: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type) return messageInput(field.resolvedType, value);
  if (field.type === 'bytes') return Buffer.from(String(value), 'base64');
  return value;
}

/**
 * The inverse of messageToJson: a Kubernetes JSON object as a plain object protobufjs can encode
 * with `type`. Inline structs are gathered from the same JSON object; null and missing fields are
 * left unset; unknown JSON fields are ignored. Throws TypeError for values of the wrong shape.
 */
export function jsonToMessage(type: protobuf.Type, json: Json): Json {
  const out: Json = {};
  for (const field of type.fieldsArray) {
    if (isInline(field) && field.resolvedType instanceof protobuf.Type) {
      out[field.name] = jsonToMessage(field.resolvedType, json);
      continue;
    }
    const value = json[field.name];
    if (value === undefined || value === null) continue;
    if (field instanceof protobuf.MapField) {
      if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`expected a map for ${field.name}`);
      out[field.name] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, elementInput(field, v)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`expected a list for ${field.name}`);
      out[field.name] = value.map((v) => elementInput(field, v));
    } else {
      out[field.name] = elementInput(field, value);
    }
  }
  return out;
}
