import protobuf from 'protobufjs';
import {
  FIELDS_V1,
  INT_OR_STRING,
  MICRO_TIME,
  QUANTITY,
  TIME,
  fullNameOf,
  isInline,
  isKept,
  isPointer,
} from './well-known.js';

type Json = Record<string, unknown>;
type Decoded = Record<string, unknown>;

const has = (msg: Decoded, name: string): boolean => Object.hasOwn(msg, name);

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned: boolean };
    return protobuf.util.LongBits.from({ low, high, unsigned } as protobuf.Long).toNumber(unsigned);
  }
  return Number(v);
}

/** metav1.Time (seconds precision) or MicroTime (microseconds) as Kubernetes writes them, in UTC. */
export function formatTime(msg: Decoded, micro: boolean): string | undefined {
  const seconds = toNumber(msg.seconds ?? 0);
  const nanos = toNumber(msg.nanos ?? 0);
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${iso}Z`;
  return `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function scalarValue(field: protobuf.Field, v: unknown): unknown {
  if (field.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (
    field.type === 'int64' ||
    field.type === 'uint64' ||
    field.type === 'sint64' ||
    field.type === 'fixed64' ||
    field.type === 'sfixed64'
  )
    return toNumber(v);
  return v;
}

function isZero(v: unknown): boolean {
  return v === 0 || v === '' || v === false;
}

const ZERO: Record<string, unknown> = { string: '', bool: false, bytes: '' };

/** A decoded value of a message-typed field; undefined means "leave it out" (zero Time). */
function messageValue(type: protobuf.Type, msg: Decoded): unknown {
  switch (fullNameOf(type)) {
    case TIME:
      return formatTime(msg, false);
    case MICRO_TIME:
      return formatTime(msg, true);
    case QUANTITY:
      return typeof msg.string === 'string' ? msg.string : '';
    case INT_OR_STRING:
      return toNumber(msg.type ?? 0) === 1 ? (msg.strVal ?? '') : toNumber(msg.intVal ?? 0);
    case FIELDS_V1: {
      const raw = msg.Raw as Uint8Array | undefined;
      return raw?.length ? JSON.parse(Buffer.from(raw).toString('utf8')) : {};
    }
    default:
      return messageToJson(type, msg);
  }
}

function elementValue(field: protobuf.Field, v: unknown): unknown {
  return field.resolvedType instanceof protobuf.Type
    ? messageValue(field.resolvedType, v as Decoded)
    : scalarValue(field, v);
}

/**
 * A decoded protobufjs message as the JSON object Kubernetes would write for the Go struct it was
 * marshalled from: lowerCamel field names, inline structs flattened, Time as RFC3339, IntOrString as
 * number or string, Quantity as string, bytes as base64; empty lists and maps dropped, zero scalars
 * dropped unless the Go field is a pointer that was set or has no omitempty. Present sub-messages are
 * kept even when empty (Go emits structs), except a zero Time (Go writes null; we omit it).
 * Throws (SyntaxError) only for a FieldsV1 that is not JSON.
 */
export function messageToJson(type: protobuf.Type, msg: Decoded): Json {
  const out: Json = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    const present = has(msg, name);
    if (field instanceof protobuf.MapField) {
      const map = present ? (msg[name] as Record<string, unknown>) : {};
      const keys = Object.keys(map);
      if (keys.length === 0) continue;
      const obj: Json = {};
      for (const k of keys) {
        const v =
          field.resolvedType instanceof protobuf.Type
            ? messageValue(field.resolvedType, map[k] as Decoded)
            : scalarValue(field, map[k]);
        obj[k] = v === undefined ? null : v;
      }
      out[name] = obj;
    } else if (field.repeated) {
      const list = present ? (msg[name] as unknown[]) : [];
      if (list.length === 0) continue;
      out[name] = list.map((v) => elementValue(field, v) ?? null);
    } else if (field.resolvedType instanceof protobuf.Type) {
      if (!present) continue;
      if (isInline(field)) Object.assign(out, messageToJson(field.resolvedType, msg[name] as Decoded));
      else {
        const v = messageValue(field.resolvedType, msg[name] as Decoded);
        if (v !== undefined) out[name] = v;
      }
    } else if (present) {
      const v = scalarValue(field, msg[name]);
      if (isPointer(field) || isKept(field) || !isZero(v)) out[name] = v;
    } else if (isKept(field)) {
      out[name] = ZERO[field.type] ?? 0;
    }
  }
  return out;
}
