import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type RecordType } from 'dns-packet';

export interface QueryOptions {
  host?: string;
  /** 'tcp' sends one length-prefixed query on a fresh connection. Default 'udp'. */
  transport?: 'udp' | 'tcp';
  /** Adds an EDNS0 OPT record offering this UDP payload size. */
  ednsPayload?: number;
  timeoutMs?: number;
}

/** A decoded reply with its size on the wire and its response code by name ('NOERROR', 'NXDOMAIN', ...). */
export type DnsReply = DecodedPacket & { bytes: number; rcode: string };

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** The data of a record; undefined for an OPT pseudo-record, which has none. Pure. */
export function answerData(a: Answer): unknown {
  return a.type === 'OPT' ? undefined : a.data;
}

/** The TTL of a record; undefined for an OPT pseudo-record. Pure. */
export function answerTtl(a: Answer): number | undefined {
  return a.type === 'OPT' ? undefined : a.ttl;
}

/** Sends one query (RD set) and decodes the reply; rejects on timeout. For tests and tools. */
export function dnsQuery(port: number, name: string, type: RecordType, o: QueryOptions = {}): Promise<DnsReply> {
  const host = o.host ?? '127.0.0.1';
  const packet = dnsPacket.encode({
    type: 'query',
    id: Math.floor(Math.random() * 0xffff),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: o.ednsPayload
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: o.ednsPayload,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ]
      : [],
  });
  const timeoutMs = o.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`dns query ${name} ${type} timed out`));
    }, timeoutMs);
    let cleanup = () => clearTimeout(timer);
    const done = (buf: Buffer) => {
      cleanup();
      const decoded = dnsPacket.decode(buf);
      const code = (decoded.flags ?? 0) & 15;
      resolve(Object.assign(decoded, { bytes: buf.length, rcode: RCODE_NAMES[code] ?? String(code) }));
    };
    if (o.transport === 'tcp') {
      const sock = connect(port, host);
      cleanup = () => {
        clearTimeout(timer);
        sock.destroy();
      };
      let buf = Buffer.alloc(0);
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      sock.on('error', (err) => {
        cleanup();
        reject(err);
      });
      const frame = Buffer.alloc(2 + packet.length);
      frame.writeUInt16BE(packet.length, 0);
      packet.copy(frame, 2);
      sock.write(frame);
    } else {
      const sock = createSocket('udp4');
      cleanup = () => {
        clearTimeout(timer);
        sock.close();
      };
      sock.on('message', (msg) => done(msg));
      sock.send(packet, port, host);
    }
  });
}
