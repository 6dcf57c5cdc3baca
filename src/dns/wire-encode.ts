import type { Answer, Packet, Question } from 'dns-packet';

/** A record the compressing encoder does not write (the caller falls back to dns-packet). */
export class UnsupportedRecordError extends Error {}

/** Type codes of the names dns-packet decodes (questions may ask any of them; records we write are fewer). */
const TYPE_CODES: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  NULL: 10,
  HINFO: 13,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  TLSA: 52,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
};
const CLASS_CODES: Record<string, number> = { IN: 1, CS: 2, CH: 3, HS: 4, ANY: 255 };
const QR_FLAG = 0x8000;
const TC_FLAG = 0x200;
/** Compression pointers hold 14 bits of offset. */
const MAX_POINTER = 0x3fff;
/** One scratch buffer reused by every encode (encoding is synchronous); room for the largest message plus one record. */
const scratch = Buffer.allocUnsafe(65535 + 4096);

/**
 * Encodes a response (or query) packet with RFC 1035 4.1.4 name compression, fitting it into
 * `limit` bytes the way CoreDNS (miekg/dns Truncate) does: answer and authority records that do
 * not fit are left out and TC is set; additional records that do not fit are left out without TC
 * (RFC 2181 9); an OPT record is always kept, last. Owner names and the names inside CNAME, PTR, NS
 * and SOA data are compressed; SRV targets are written whole (RFC 2782 forbids compressing them)
 * but later names may point into them. Suffixes match case-insensitively.
 * Writes A, CNAME, PTR, NS, SRV, SOA and OPT (without options or with raw Buffer options); any other
 * record throws UnsupportedRecordError. Returns a new Buffer. Pure.
 */
export function encodeResponse(packet: Packet, limit = 65535): Buffer {
  const w = new Writer(scratch);
  const opt = packet.additionals?.find((a) => a.type === 'OPT');
  const optBytes = opt ? optLength(opt) : 0;
  const budget = Math.min(limit, 65535) - optBytes;
  w.off = 12;
  const questions = packet.questions ?? [];
  for (const q of questions) question(w, q);
  let tc = ((packet.flags ?? 0) & TC_FLAG) !== 0;
  const fit = (records: Answer[] | undefined): number => {
    let n = 0;
    for (const r of records ?? []) {
      if (r.type === 'OPT') continue;
      const mark = w.off;
      record(w, r);
      if (w.off > budget) {
        w.rollback(mark);
        return -n - 1;
      }
      n++;
    }
    return n;
  };
  let an = fit(packet.answers);
  let ns = 0;
  let ar = 0;
  if (an < 0) {
    an = -an - 1;
    tc = true;
  } else {
    ns = fit(packet.authorities);
    if (ns < 0) {
      ns = -ns - 1;
      tc = true;
    } else {
      ar = fit(packet.additionals);
      if (ar < 0) ar = -ar - 1;
    }
  }
  if (opt) {
    record(w, opt);
    ar++;
  }
  const buf = w.buf;
  buf.writeUInt16BE(packet.id ?? 0, 0);
  buf.writeUInt16BE(
    ((packet.flags ?? 0) & 0x7fff & ~TC_FLAG) | (packet.type === 'response' ? QR_FLAG : 0) | (tc ? TC_FLAG : 0),
    2,
  );
  buf.writeUInt16BE(questions.length, 4);
  buf.writeUInt16BE(an, 6);
  buf.writeUInt16BE(ns, 8);
  buf.writeUInt16BE(ar, 10);
  return Buffer.from(buf.subarray(0, w.off));
}

/** Writes into a buffer, remembering where each name suffix starts so later names can point to it. */
class Writer {
  off = 0;
  /** Lower-cased name suffix -> offset of its first label. */
  private readonly names = new Map<string, number>();

  constructor(readonly buf: Buffer) {}

  u16(v: number): void {
    this.off = this.buf.writeUInt16BE(v & 0xffff, this.off);
  }
  u32(v: number): void {
    this.off = this.buf.writeUInt32BE(v >>> 0, this.off);
  }

  /** Writes `name` as labels, ending in a pointer to an earlier copy of its longest known suffix when `compress`. */
  name(name: string, compress: boolean): void {
    const labels = splitName(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.names.get(suffix);
      if (compress && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (at === undefined && this.off <= MAX_POINTER) this.names.set(suffix, this.off);
      const label = labels[i] as string;
      const len = this.buf.write(label, this.off + 1, 'utf8');
      if (len !== Buffer.byteLength(label)) throw new UnsupportedRecordError('name does not fit');
      this.buf[this.off] = len;
      this.off += len + 1;
    }
    this.buf[this.off++] = 0;
  }

  /** Forgets everything written from `mark` on (a record that did not fit). */
  rollback(mark: number): void {
    this.off = mark;
    for (const [suffix, at] of this.names) if (at >= mark) this.names.delete(suffix);
  }
}

/** `a.b.` -> ['a', 'b']; '' and '.' are the root (no labels). Labels must be 1..63 bytes, the name at most 255 on the wire. */
function splitName(name: string): string[] {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n === '') return [];
  const labels = n.split('.');
  let total = 1;
  for (const l of labels) {
    const len = Buffer.byteLength(l);
    if (len === 0 || len > 63) throw new UnsupportedRecordError(`bad label in ${JSON.stringify(name)}`);
    total += len + 1;
  }
  if (total > 255) throw new UnsupportedRecordError('name longer than 255 bytes');
  return labels;
}

/** The numeric type of a dns-packet type name (`UNKNOWN_<n>` included); throws UnsupportedRecordError for others. Pure. */
export function typeCode(type: string): number {
  const t = TYPE_CODES[type] ?? (/^UNKNOWN_(\d+)$/.exec(type) ? Number(type.slice(8)) : undefined);
  if (t === undefined || t > 0xffff) throw new UnsupportedRecordError(`type ${type}`);
  return t;
}

function classCode(cls: string | undefined): number {
  const c = CLASS_CODES[cls ?? 'IN'];
  if (c === undefined) throw new UnsupportedRecordError(`class ${cls}`);
  return c;
}

function question(w: Writer, q: Question): void {
  w.name(q.name, true);
  w.u16(typeCode(q.type));
  w.u16(classCode(q.class));
}

function optLength(opt: Answer): number {
  const options = (opt as { options?: { data?: unknown }[] }).options ?? [];
  return 11 + options.reduce((n, o) => n + 4 + (Buffer.isBuffer(o.data) ? o.data.length : 0), 0);
}

function record(w: Writer, r: Answer): void {
  if (r.type === 'OPT') {
    w.buf[w.off++] = 0; // root
    w.u16(41);
    w.u16(r.udpPayloadSize ?? 4096);
    const doBit = r.flag_do ? 0x8000 : 0;
    w.u32(
      ((((r.extendedRcode ?? 0) & 0xff) << 24) |
        (((r.ednsVersion ?? 0) & 0xff) << 16) |
        (((r.flags ?? 0) | doBit) & 0xffff)) >>>
        0,
    );
    const lenAt = w.off;
    w.u16(0);
    for (const o of (r.options ?? []) as { code: number; data?: unknown }[]) {
      if (!Buffer.isBuffer(o.data)) throw new UnsupportedRecordError('structured EDNS option');
      w.u16(o.code);
      w.u16(o.data.length);
      w.off += o.data.copy(w.buf, w.off);
    }
    w.buf.writeUInt16BE(w.off - lenAt - 2, lenAt);
    return;
  }
  const code = typeCode(r.type);
  w.name(r.name, true);
  w.u16(code);
  w.u16(classCode(r.class) | (r.flush ? 0x8000 : 0));
  w.u32(r.ttl ?? 0);
  const lenAt = w.off;
  w.u16(0);
  switch (r.type) {
    case 'A': {
      const parts = String(r.data).split('.');
      if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255))
        throw new UnsupportedRecordError(`A ${String(r.data)}`);
      for (const p of parts) w.buf[w.off++] = Number(p);
      break;
    }
    case 'CNAME':
    case 'PTR':
    case 'NS':
      w.name(String(r.data), true);
      break;
    case 'SRV':
      w.u16(r.data.priority ?? 0);
      w.u16(r.data.weight ?? 0);
      w.u16(r.data.port);
      w.name(r.data.target, false);
      break;
    case 'SOA':
      w.name(r.data.mname, true);
      w.name(r.data.rname, true);
      w.u32(r.data.serial ?? 0);
      w.u32(r.data.refresh ?? 0);
      w.u32(r.data.retry ?? 0);
      w.u32(r.data.expire ?? 0);
      w.u32(r.data.minimum ?? 0);
      break;
    default:
      throw new UnsupportedRecordError(`type ${r.type}`);
  }
  w.buf.writeUInt16BE(w.off - lenAt - 2, lenAt);
}
