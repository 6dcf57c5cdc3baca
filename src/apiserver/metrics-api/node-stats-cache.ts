/**
 * Summaries of the nodes' agents (`GET /stats/summary`), fetched on demand and kept for `ttlMs`
 * (metrics-server scrapes every 15 s; default here 10 s), so `kubectl top` and the HPA controller
 * asking at once cost one scrape per node. Concurrent requests for a node share one fetch.
 * The window reported with a node's figures is the time since its previous scrape: the agent
 * computes CPU rates between the samples its scrapes take (see agent/stats/cpu-rate.ts).
 */
import { request } from 'node:https';
import type { Summary } from '../../api/stats/summary-types.js';
import type { AgentEndpoint } from './agent-endpoint.js';
import { agentTlsOptions } from '../rest/agent-connection.js';

export interface ScrapedSummary {
  summary: Summary;
  /** When it was fetched (ms). */
  at: number;
  /** The rate window (ms): time since the previous scrape of the node, or the agent's first-sample pause. */
  windowMs: number;
}

export type FetchSummary = (ep: AgentEndpoint) => Promise<Summary>;

export interface NodeStatsCacheOptions {
  ttlMs?: number;
  /** Default: HTTPS GET of the agent's /stats/summary (5 s timeout). */
  fetch?: FetchSummary;
  now?: () => number;
}

const FIRST_SAMPLE_WINDOW_MS = 250;

export class NodeStatsCache {
  private readonly entries = new Map<string, ScrapedSummary>();
  private readonly inflight = new Map<string, Promise<ScrapedSummary>>();
  private readonly ttlMs: number;
  private readonly fetch: FetchSummary;
  private readonly now: () => number;

  constructor(o: NodeStatsCacheOptions = {}) {
    this.ttlMs = o.ttlMs ?? 10_000;
    this.fetch = o.fetch ?? fetchSummary;
    this.now = o.now ?? Date.now;
  }

  /** The node's summary, at most ttlMs old. Rejects when the agent cannot be reached. */
  get(ep: AgentEndpoint): Promise<ScrapedSummary> {
    const hit = this.entries.get(ep.node);
    if (hit && this.now() - hit.at < this.ttlMs) return Promise.resolve(hit);
    let p = this.inflight.get(ep.node);
    if (!p) {
      p = this.fetch(ep)
        .then((summary) => {
          const at = this.now();
          const prev = this.entries.get(ep.node);
          const entry = {
            summary,
            at,
            windowMs: prev && at - prev.at < 10 * 60_000 ? at - prev.at : FIRST_SAMPLE_WINDOW_MS,
          };
          this.entries.set(ep.node, entry);
          return entry;
        })
        .finally(() => this.inflight.delete(ep.node));
      this.inflight.set(ep.node, p);
    }
    return p;
  }

  /** Drops nodes not in `live` (deleted nodes). */
  retain(live: Set<string>): void {
    for (const k of this.entries.keys()) if (!live.has(k)) this.entries.delete(k);
  }
}

/** GET /stats/summary of an agent over HTTPS, verifying it against the cluster CA and its Node. */
export function fetchSummary(ep: AgentEndpoint): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        // The certificate must chain to the cluster CA and name the node and its InternalIP.
        host: ep.host,
        port: ep.port,
        path: '/stats/summary',
        method: 'GET',
        ...agentTlsOptions({ nodeName: ep.node, caPem: ep.caPem, clientTls: ep.clientTls }, ep.address),
        headers: { Host: ep.hostHeader, Accept: 'application/json' },
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200)
            return reject(new Error(`agent of node ${ep.node} answered ${res.statusCode}: ${body.slice(0, 200)}`));
          try {
            resolve(JSON.parse(body) as Summary);
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`agent of node ${ep.node} did not answer in time`)));
    req.on('error', reject);
    req.end();
  });
}
