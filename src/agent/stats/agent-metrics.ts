/**
 * The agent's own Prometheus metrics (`/metrics` on the agent server): the process defaults of
 * prom-client (CPU, memory, event loop, handles) in a registry of its own, plus gauges of the pods
 * and containers the agent runs, read when scraped.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** `extra`: registries of the agent's parts (e.g. its cluster DNS server's) served on the same /metrics. */
export function agentMetrics(
  counts: () => { pods: number; containers: number },
  extra: Registry[] = [],
): () => Promise<string> {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'flotilla_agent_' });
  new Gauge({
    name: 'flotilla_agent_running_pods',
    help: 'Pods with at least one running container on this node',
    registers: [register],
    collect() {
      this.set(counts().pods);
    },
  });
  new Gauge({
    name: 'flotilla_agent_running_containers',
    help: 'Running containers on this node',
    registers: [register],
    collect() {
      this.set(counts().containers);
    },
  });
  const all = extra.length ? Registry.merge([register, ...extra]) : register;
  return () => all.metrics();
}
