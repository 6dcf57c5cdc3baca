import type { Answer, DecodedPacket, Packet, SoaAnswer } from 'dns-packet';
import { inZone, ipFromDashed, normalizeName } from './dns-names.js';
import type { RecordTable } from './record-table.js';

export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
const FLAG_AA = 0x400;
const FLAG_RD = 0x100;
const FLAG_RA = 0x80;

/** The outcome of one query: an answer to send, or the query belongs upstream. */
export type Resolution = { kind: 'answer'; packet: Packet } | { kind: 'forward' };

/** The zone's SOA (CoreDNS's kubernetes plugin shape): its minimum and TTL make negative answers cacheable for `ttl` s. Pure. */
export function soaRecord(domain: string, ttl: number): SoaAnswer {
  return {
    type: 'SOA',
    name: domain,
    ttl,
    class: 'IN',
    data: {
      mname: `ns.dns.${domain}`,
      rname: `hostmaster.${domain}`,
      serial: 1,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  };
}

/** A response with the query's id, question and RD bit, RA set, and the given rcode. Pure. */
export function responseTo(query: DecodedPacket, rcode: number, authoritative: boolean): Packet {
  return {
    type: 'response',
    id: query.id,
    flags: (authoritative ? FLAG_AA : 0) | ((query.flags ?? 0) & FLAG_RD) | FLAG_RA | rcode,
    questions: query.questions ?? [],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

/**
 * Answers a decoded query from the record table (no I/O). Names under the cluster domain are
 * answered authoritatively: A, SRV, PTR, CNAME (ExternalName; returned for every type), AAAA and
 * other types as NODATA, pod names `a-b-c-d.<ns>.pod.<domain>` computed from the name; missing
 * names get NXDOMAIN; negative answers carry the SOA. PTR names of known IPs are answered; other
 * names, and unknown reverse names, are to be forwarded. Only the first question is answered.
 * Queries that are not standard (opcode) get NOTIMP.
 */
export function resolve(query: DecodedPacket, table: RecordTable): Resolution {
  const q = query.questions?.[0];
  const opcode = (query as { opcode?: string }).opcode;
  if (!q || (opcode && opcode !== 'QUERY')) return { kind: 'answer', packet: responseTo(query, RCODE_NOTIMP, false) };
  const name = normalizeName(q.name);
  const domain = table.domain;
  const records = table.lookup(name);
  if (!inZone(name, domain)) {
    if (records && q.type === 'PTR' && records.PTR.length)
      return {
        kind: 'answer',
        packet: withAnswers(
          query,
          records.PTR.map((r) => ({ ...r, name: q.name })),
          [],
          domain,
          table.ttl,
        ),
      };
    return { kind: 'forward' };
  }
  if (records) {
    if (records.CNAME.length)
      return {
        kind: 'answer',
        packet: withAnswers(
          query,
          records.CNAME.map((r) => ({ ...r, name: q.name })),
          [],
          domain,
          table.ttl,
        ),
      };
    switch (q.type as string) {
      case 'A':
        return {
          kind: 'answer',
          packet: withAnswers(
            query,
            records.A.map((r) => ({ ...r, name: q.name })),
            [],
            domain,
            table.ttl,
          ),
        };
      case 'SRV':
        return {
          kind: 'answer',
          packet: withAnswers(
            query,
            records.SRV.map((r) => ({ ...r, name: q.name })),
            records.extra,
            domain,
            table.ttl,
          ),
        };
      case 'PTR':
        return {
          kind: 'answer',
          packet: withAnswers(
            query,
            records.PTR.map((r) => ({ ...r, name: q.name })),
            [],
            domain,
            table.ttl,
          ),
        };
      case 'ANY':
        return {
          kind: 'answer',
          packet: withAnswers(
            query,
            [...records.A, ...records.SRV, ...records.PTR].map((r) => ({ ...r, name: q.name })),
            [],
            domain,
            table.ttl,
          ),
        };
      default:
        return { kind: 'answer', packet: withAnswers(query, [], [], domain, table.ttl) };
    }
  }
  const pod = podAddress(name, domain);
  if (pod)
    return {
      kind: 'answer',
      packet: withAnswers(
        query,
        q.type === 'A' ? [{ type: 'A', name: q.name, ttl: table.ttl, class: 'IN', data: pod }] : [],
        [],
        domain,
        table.ttl,
      ),
    };
  if (name === domain || name === `svc.${domain}` || name === `pod.${domain}`) {
    const answers: Answer[] = name === domain && q.type === 'SOA' ? [soaRecord(domain, table.ttl)] : [];
    return { kind: 'answer', packet: withAnswers(query, answers, [], domain, table.ttl) };
  }
  const packet = responseTo(query, RCODE_NXDOMAIN, true);
  packet.authorities = [soaRecord(domain, table.ttl)];
  return { kind: 'answer', packet };
}

/** `10-42-0-5.<ns>.pod.<domain>` -> `10.42.0.5` (CoreDNS `pods insecure`: no check that the pod exists). Pure. */
export function podAddress(name: string, domain: string): string | undefined {
  const suffix = `.pod.${domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  return labels.length === 2 ? ipFromDashed(labels[0] ?? '') : undefined;
}

function withAnswers(query: DecodedPacket, answers: Answer[], extra: Answer[], domain: string, ttl: number): Packet {
  const packet = responseTo(query, RCODE_NOERROR, true);
  packet.answers = answers;
  packet.additionals = extra;
  if (answers.length === 0) packet.authorities = [soaRecord(domain, ttl)];
  return packet;
}
