/** What the fast path needs from a query's bytes. */
export interface WireQuestion {
  /** Lower-cased wire-format name + type + class: the cache key part of the question. */
  key: string;
  /** Offset just past the question section. */
  end: number;
  /** The EDNS0 UDP payload size the client offered, or undefined without an OPT record. */
  ednsPayload?: number;
}

/**
 * Reads a standard query with exactly one question (and at most one additional record, an OPT)
 * straight from the bytes, without building objects. Undefined for anything else (responses,
 * other opcodes, compressed or odd questions, other sections): the caller takes the full decoder.
 * Hand-written because this runs once per query at tens of thousands per second, and dns-packet's
 * decode allocates the whole packet. Pure.
 */
export function readQuestion(msg: Buffer): WireQuestion | undefined {
  if (msg.length < 17) return undefined;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0xf800) !== 0) return undefined; // QR=0, opcode QUERY
  if (msg.readUInt16BE(4) !== 1 || msg.readUInt16BE(6) !== 0 || msg.readUInt16BE(8) !== 0) return undefined;
  const arcount = msg.readUInt16BE(10);
  if (arcount > 1) return undefined;
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off] as number;
    if (len === 0) break;
    if (len > 63) return undefined;
    off += len + 1;
  }
  const end = off + 5;
  if (end > msg.length) return undefined;
  const key = msg.toString('latin1', 12, end).toLowerCase();
  if (arcount === 0) return end === msg.length ? { key, end } : undefined;
  // One additional: must be OPT (root name, type 41); its class is the payload size.
  if (end + 11 > msg.length || msg[end] !== 0 || msg.readUInt16BE(end + 1) !== 41) return undefined;
  return { key, end, ednsPayload: msg.readUInt16BE(end + 3) };
}
