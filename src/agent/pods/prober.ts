import { request } from 'node:http';
import { connect } from 'node:net';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import { probeTiming, ProbeState, type ProbeKind } from './probe-state.js';

/** What a probe run needs from the node: the pod IP and `runc exec` of a command in the container. */
export interface ProbeTarget {
  podIP: string;
  /** Runs a command in the container; resolves with its exit code (124 after timeoutMs). */
  exec(args: string[], timeoutMs: number): Promise<number>;
}

/**
 * Runs one probe once: exec (exit code 0), httpGet (status 200-399, host default the pod IP,
 * scheme HTTP only), tcpSocket (a connection opens). Named ports are resolved from the container's
 * ports. Resolves false on a timeout or any error; grpc is not supported yet (false).
 */
export async function runProbe(p: Probe, c: Container, target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  const port = (v: number | string | undefined): number => (typeof v === 'number' ? v : Number(c.ports?.find((cp) => cp.name === v)?.containerPort ?? v));
  if (p.exec) return (await target.exec(p.exec.command ?? [], timeoutMs).catch(() => 1)) === 0;
  if (p.httpGet) {
    const g = p.httpGet;
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.31' };
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      const req = request({ host: g.host || target.podIP, port: port(g.port), path: g.path || '/', headers, timeout: timeoutMs, agent: false }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400);
      });
      req.on('timeout', () => req.destroy(new Error('timeout'))).on('error', () => resolve(false)).end();
    });
  }
  if (p.tcpSocket) {
    const t = p.tcpSocket;
    return new Promise((resolve) => {
      const sock = connect({ host: t.host || target.podIP, port: port(t.port), timeout: timeoutMs }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('timeout', () => { sock.destroy(); resolve(false); }).on('error', () => resolve(false));
    });
  }
  return false;
}

export interface ContainerProbesOptions {
  container: Container;
  target: ProbeTarget;
  /** When the container started (ms on `now`'s clock). */
  startedAtMs: number;
  log: Logger;
  /** Readiness or startup result changed: re-report the pod. */
  onChange(): void;
  /** Liveness or startup failed for good: the container is to be restarted. */
  onUnhealthy(kind: ProbeKind): void;
  now?: () => number;
  /** Injected for tests (default setTimeout). */
  setTimer?: (fn: () => void, ms: number) => { clear(): void };
  run?: typeof runProbe;
}

/**
 * The probes of one running container, as the kubelet runs them: while a startup probe has not
 * succeeded only it runs (liveness and readiness wait); then liveness and readiness on their own
 * periods. `ready` is the readiness result (true without a readiness probe), `started` the startup
 * result (true without one). Calls onUnhealthy once and stops when liveness or startup fails.
 * Stop with stop() when the container exits or is replaced.
 */
export class ContainerProbes {
  private readonly probes: ProbeState[] = [];
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => { clear(): void };
  private timer?: { clear(): void };
  private stopped = false;
  private running = false;

  constructor(private readonly o: ContainerProbesOptions) {
    this.now = o.now ?? (() => Date.now());
    this.setTimer = o.setTimer ?? ((fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return { clear: () => clearTimeout(t) }; });
    const c = o.container;
    const add = (kind: ProbeKind, p: Probe | undefined): void => { if (p) this.probes.push(new ProbeState(kind, probeTiming(kind, p), o.startedAtMs)); };
    add('startup', c.startupProbe);
    add('liveness', c.livenessProbe);
    add('readiness', c.readinessProbe);
  }

  /** Whether the container has any probe (else nothing needs to run). */
  get any(): boolean {
    return this.probes.length > 0;
  }

  get started(): boolean {
    return this.state('startup')?.result ?? true;
  }

  get ready(): boolean {
    return this.started && (this.state('readiness')?.result ?? true);
  }

  start(): void {
    if (this.any) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.clear();
  }

  private state(kind: ProbeKind): ProbeState | undefined {
    return this.probes.find((p) => p.kind === kind);
  }

  /** The probes that may run now (startup alone until it succeeds). */
  private active(): ProbeState[] {
    return this.started ? this.probes.filter((p) => p.kind !== 'startup') : this.probes.filter((p) => p.kind === 'startup');
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = Math.min(...this.active().map((p) => p.nextDueMs()));
    this.timer = this.setTimer(() => void this.tick(), Math.max(0, next - this.now()));
  }

  /** Runs the due probes (in parallel), records their results, reacts to changes, schedules the next tick. */
  async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    const t = this.now();
    const due = this.active().filter((p) => p.nextDueMs() <= t);
    const spec = (k: ProbeKind): Probe | undefined => (k === 'startup' ? this.o.container.startupProbe : k === 'liveness' ? this.o.container.livenessProbe : this.o.container.readinessProbe);
    const run = this.o.run ?? runProbe;
    const results = await Promise.all(due.map(async (p) => run(spec(p.kind) ?? {}, this.o.container, this.o.target, p.timing.timeoutMs)));
    this.running = false;
    if (this.stopped) return;
    let changed = false;
    due.forEach((p, i) => { if (p.record(results[i] ?? false, this.now())) changed = true; });
    const failed = due.find((p) => p.kind !== 'readiness' && p.result === false);
    if (failed) {
      this.o.log.info({ container: this.o.container.name, probe: failed.kind }, 'probe failed: restarting the container');
      this.stop();
      this.o.onUnhealthy(failed.kind);
      return;
    }
    if (changed) this.o.onChange();
    this.schedule();
  }
}
