/**
 * metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics) served by the API server from the agents'
 * `/stats/summary`, so `kubectl top` and the HPA controller work without a metrics-server.
 */
export {
  MetricsApi,
  METRICS_GROUP,
  METRICS_RESOURCE_TYPES,
  type MetricsApiOptions,
} from './metrics-api.js';
export { agentEndpoint, AGENT_HOST_LABEL, type AgentEndpoint } from './agent-endpoint.js';
export { NodeStatsCache, fetchSummary, type ScrapedSummary, type FetchSummary } from './node-stats-cache.js';
export {
  formatBytes,
  formatGoDuration,
  formatNanoCores,
  nodeMetrics,
  podMetrics,
  METRICS_GROUP_VERSION,
  type NodeMetrics,
  type PodMetrics,
} from './metrics-objects.js';
