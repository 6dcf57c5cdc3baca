/**
 * The metrics.k8s.io/v1beta1 API (what metrics-server serves), inside the API server:
 *
 *   GET /apis/metrics.k8s.io/v1beta1/nodes[/<name>]                       NodeMetrics(List)
 *   GET /apis/metrics.k8s.io/v1beta1[/namespaces/<ns>]/pods[/<name>]      PodMetrics(List)
 *     ?labelSelector= &fieldSelector=metadata.name|metadata.namespace
 *
 *   pods/nodes from the watch cache --> nodes to ask (those running the selected pods, with an
 *   agent endpoint) --> NodeStatsCache (agent /stats/summary, TTL) --> NodeMetrics / PodMetrics
 *
 * Pods whose node has no agent server, or whose containers have no figures yet, are left out, as
 * metrics-server leaves out pods it has no metrics for. An unreachable agent is logged and skipped.
 *
 * History (for the dashboard's graphs; not part of metrics-server's API): every scrape is also
 * recorded in a MetricsHistory. A GET of one pod or node with `?history=true` adds a `history`
 * field (`timestamps` in ms, `cpuNanoCores`, `memoryBytes`, oldest first) to the usual object;
 * clients that do not ask get exactly metrics-server's shape. While such requests keep coming
 * for a node (a graph is open), its agent is scraped every SAMPLE_MS so the history has no gaps.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/object.js';
import { handlerServedType } from '../../api/resource-type.js';
import { ApiError, errors } from '../../api/errors.js';
import { parseFieldSelector, parseLabelSelector } from '../../api/selectors/index.js';
import type { ResourceRequest } from '../request-info.js';
import type { RestContext } from '../rest/rest-context.js';
import type { CachedObject } from '../watch-cache.js';
import { agentEndpoint } from './agent-endpoint.js';
import {
  METRICS_GROUP_VERSION,
  nodeMetrics,
  podMetrics,
  type NodeMetrics,
  type PodMetrics,
} from './metrics-objects.js';
import { NodeStatsCache, type FetchSummary, type ScrapedSummary } from './node-stats-cache.js';
import { MetricsHistory, type Series } from './metrics-history.js';

/** How often a node with a graph open is scraped (metrics-server's default resolution). */
const SAMPLE_MS = 15_000;
/** A node is sampled until this long after the last history request for it. */
const SAMPLE_FOR_MS = 10 * 60_000;

export const METRICS_GROUP = 'metrics.k8s.io';

const metricsType = (kind: string, plural: string, namespaced: boolean) =>
  handlerServedType({
    group: METRICS_GROUP,
    version: 'v1beta1',
    kind,
    plural,
    namespaced,
    verbs: ['get', 'list'],
    storagePrefix: `/metrics/${plural}/`,
  });

/** What discovery advertises for metrics.k8s.io/v1beta1 (as metrics-server: nodes and pods, get and list). */
export const METRICS_RESOURCE_TYPES = [
  metricsType('NodeMetrics', 'nodes', false),
  metricsType('PodMetrics', 'pods', true),
];

export interface MetricsApiOptions {
  /** How long a node's stats summary is cached (default 10 s). */
  ttlMs?: number;
  fetch?: FetchSummary;
  log?: Pick<Logger, 'warn'>;
}

export class MetricsApi {
  private readonly stats: NodeStatsCache;
  private readonly history = new MetricsHistory();
  private readonly recorded = new WeakSet<ScrapedSummary>();
  /** Node name → until when it is sampled (a graph of it, or of one of its pods, is open). */
  private readonly sampled = new Map<string, number>();
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: RestContext,
    private readonly o: MetricsApiOptions = {},
  ) {
    this.stats = new NodeStatsCache({ ttlMs: o.ttlMs, fetch: o.fetch });
  }

  /** Stops the history sampler. Idempotent. */
  close(): void {
    clearInterval(this.sampler);
    this.sampler = undefined;
    this.sampled.clear();
  }

  /** Keeps scraping `node` for SAMPLE_FOR_MS from now. */
  private sample(node: string): void {
    this.sampled.set(node, Date.now() + SAMPLE_FOR_MS);
    if (this.sampler) return;
    this.sampler = setInterval(() => {
      const now = Date.now();
      for (const [n, until] of this.sampled) if (until < now) this.sampled.delete(n);
      if (this.sampled.size === 0) return this.close();
      const nodes = [...this.sampled.keys()]
        .map((n) => this.ctx.cache.get(`/registry/core/nodes/${n}`)?.object())
        .filter((n): n is KubeObject => !!n);
      void this.scrape(nodes);
    }, SAMPLE_MS);
    this.sampler.unref();
  }

  /** Serves one metrics.k8s.io request; throws ApiErrors (the caller writes them as Status). */
  async serve(info: ResourceRequest, res: ServerResponse): Promise<void> {
    if (
      info.version !== 'v1beta1' ||
      (info.resource !== 'nodes' && info.resource !== 'pods') ||
      info.subresource !== ''
    ) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (info.verb !== 'get' && info.verb !== 'list')
      throw errors.methodNotAllowed(`${info.verb} is not supported on ${info.resource}.${METRICS_GROUP}`);
    const body = info.resource === 'nodes' ? await this.nodes(info) : await this.pods(info);
    const text = JSON.stringify(body);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async nodes(info: ResourceRequest): Promise<unknown> {
    if (info.namespace !== '') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const labels = parseLabelSelector(info.query.get('labelSelector'));
    const fields = parseFieldSelector(info.query.get('fieldSelector'), (f) => f === 'metadata.name');
    const candidates = (
      info.name
        ? [this.ctx.cache.get(`/registry/core/nodes/${info.name}`)]
        : this.ctx.cache.list('/registry/core/nodes/', '')
    ).filter((c): c is CachedObject => !!c && labels.matches(c.labels) && fields.matches({ 'metadata.name': c.name }));
    const now = this.ctx.now();
    const scraped = await this.scrape(candidates.map((c) => c.object()));
    const items: NodeMetrics[] = [];
    for (const c of candidates) {
      const s = scraped.get(c.name);
      const m = s && nodeMetrics(s.summary, s.windowMs, Object.keys(c.labels).length ? c.labels : undefined, now);
      if (m) items.push(m);
    }
    if (info.name) {
      if (!items[0]) throw errors.notFound('nodemetrics', info.name, METRICS_GROUP);
      if (info.query.get('history') !== 'true') return items[0];
      this.sample(info.name);
      return { ...items[0], history: historyOf(this.history.node(info.name)) };
    }
    return { kind: 'NodeMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
  }

  private async pods(info: ResourceRequest): Promise<unknown> {
    const labels = parseLabelSelector(info.query.get('labelSelector'));
    const fields = parseFieldSelector(
      info.query.get('fieldSelector'),
      (f) => f === 'metadata.name' || f === 'metadata.namespace',
    );
    const cachedPods = info.name
      ? [this.ctx.cache.get(`/registry/core/pods/${info.namespace}/${info.name}`)]
      : this.ctx.cache.list('/registry/core/pods/', info.namespace);
    const pods = cachedPods
      .filter(
        (c): c is CachedObject =>
          !!c &&
          labels.matches(c.labels) &&
          fields.matches({ 'metadata.name': c.name, 'metadata.namespace': c.namespace }),
      )
      .map((c) => c.object() as KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string } })
      .filter((p) => p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const nodeNames = [...new Set(pods.map((p) => p.spec?.nodeName ?? ''))];
    const nodes = nodeNames
      .map((n) => this.ctx.cache.get(`/registry/core/nodes/${n}`)?.object())
      .filter((n): n is KubeObject => !!n);
    const scraped = await this.scrape(nodes);
    const now = this.ctx.now();
    const byPod = new Map<string, PodMetrics>();
    for (const s of scraped.values())
      for (const m of podMetrics(s.summary, s.windowMs, now))
        byPod.set(`${m.metadata.namespace}/${m.metadata.name}`, m);
    const uids = new Map<string, string>();
    for (const s of scraped.values())
      for (const p of s.summary.pods) uids.set(`${p.podRef.namespace}/${p.podRef.name}`, p.podRef.uid);
    const items: PodMetrics[] = [];
    for (const p of pods) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      const m = byPod.get(key);
      if (!m || uids.get(key) !== p.metadata.uid) continue; // a same-named earlier pod's figures are not this pod's
      const l = p.metadata.labels;
      items.push(l && Object.keys(l).length ? { ...m, metadata: { ...m.metadata, labels: l } } : m);
    }
    if (info.name) {
      if (!items[0]) throw errors.notFound('podmetrics', `${info.namespace}/${info.name}`, METRICS_GROUP);
      const pod = pods[0];
      if (info.query.get('history') !== 'true' || !pod) return items[0];
      this.sample(pod.spec?.nodeName ?? '');
      return { ...items[0], history: historyOf(this.history.pod(pod.metadata.uid ?? '')) };
    }
    return { kind: 'PodMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
  }

  /** Summaries of the given nodes that have an agent endpoint; failures are logged and left out. */
  private async scrape(nodes: KubeObject[]): Promise<Map<string, ScrapedSummary>> {
    const out = new Map<string, ScrapedSummary>();
    await Promise.all(
      nodes.map(async (n) => {
        const ep = agentEndpoint(this.ctx, n);
        if (!ep) return;
        try {
          const scraped = await this.stats.get(ep);
          if (!this.recorded.has(scraped)) {
            this.recorded.add(scraped);
            this.history.record(scraped.summary, scraped.at);
          }
          out.set(ep.node, scraped);
        } catch (err) {
          this.o.log?.warn({ node: ep.node, err: String(err) }, 'scraping the node agent for metrics failed');
        }
      }),
    );
    return out;
  }
}

/** A history series as served: parallel arrays, oldest first. */
function historyOf(s: Series): { timestamps: number[]; cpuNanoCores: number[]; memoryBytes: number[] } {
  return { timestamps: s.t, cpuNanoCores: s.cpu, memoryBytes: s.memory };
}
