import { request } from 'node:http';
import { connect as http2Connect } from 'node:http2';
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

/** grpc.health.v1.HealthCheckResponse.ServingStatus names, by number. */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** A gRPC message frame (uncompressed) holding HealthCheckRequest { string service = 1 }. Pure. */
export function healthCheckRequestFrame(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const varint: number[] = [];
  for (let n = name.length; ; n >>>= 7) {
    if (n < 0x80) {
      varint.push(n);
      break;
    }
    varint.push((n & 0x7f) | 0x80);
  }
  const msg = name.length ? Buffer.concat([Buffer.from([0x0a, ...varint]), name]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** The status field (1, varint) of the HealthCheckResponse in the first gRPC frame of `body`; 0 (UNKNOWN) when absent. Pure. */
export function healthCheckResponseStatus(body: Buffer): number {
  if (body.length < 5) throw new Error('short gRPC response');
  if (body[0] !== 0) throw new Error('compressed gRPC response');
  const msg = body.subarray(5, 5 + body.readUInt32BE(1));
  let i = 0;
  const varint = (): number => {
    let v = 0;
    for (let s = 0; ; s += 7) {
      const b = msg[i++];
      if (b === undefined) throw new Error('truncated protobuf');
      v += (b & 0x7f) * 2 ** s;
      if (b < 0x80) return v;
    }
  };
  while (i < msg.length) {
    const key = varint();
    const wire = key & 7;
    if (key >>> 3 === 1 && wire === 0) return varint();
    if (wire === 0) varint();
    else if (wire === 2) i += varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error('bad protobuf wire type');
  }
  return 0;
}

/**
 * grpc.health.v1.Health/Check over HTTP/2 cleartext (as kubelet's grpc probe): success when the
 * server answers SERVING with grpc-status 0. Resolves a failure message (kubelet's wording) or undefined.
 */
export function grpcHealthCheck(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    let settled = false;
    const session = http2Connect(`http://${addr}`);
    const finish = (msg: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(msg);
    };
    const timer = setTimeout(() => finish(`timeout: health rpc did not complete within ${timeoutMs}ms`), timeoutMs);
    session.on('error', (err) => finish(`failed to connect service "${addr}": ${err.message}`));
    const req = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'kube-probe/1.31',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) {
        grpcStatus = String(h['grpc-status']);
        grpcMessage = String(h['grpc-message'] ?? '');
      }
    });
    req.on('trailers', (h) => {
      grpcStatus = String(h['grpc-status'] ?? grpcStatus);
      grpcMessage = String(h['grpc-message'] ?? grpcMessage);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => finish(`health rpc failed: ${err.message}`));
    req.on('end', () => {
      if (grpcStatus !== '0')
        return finish(
          `health rpc failed: grpc-status ${grpcStatus ?? 'missing'}${grpcMessage ? `: ${decodeURIComponent(grpcMessage)}` : ''}`,
        );
      try {
        const st = healthCheckResponseStatus(Buffer.concat(chunks));
        finish(st === 1 ? undefined : `service unhealthy (responded with "${SERVING_STATUS[st] ?? st}")`);
      } catch (err) {
        finish(`health rpc failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    req.end(healthCheckRequestFrame(service));
  });
}

/**
 * Runs one probe once: exec (exit code 0), httpGet (status 200-399, host default the pod IP,
 * scheme HTTP only), tcpSocket (a connection opens), grpc (grpc.health.v1 Check answers SERVING).
 * Named ports are resolved from the container's ports. Resolves false on a timeout or any error,
 * telling `detail` why (the Unhealthy event's message).
 */
export async function runProbe(
  p: Probe,
  c: Container,
  target: ProbeTarget,
  timeoutMs: number,
  detail?: (message: string) => void,
): Promise<boolean> {
  const port = (v: number | string | undefined): number =>
    typeof v === 'number' ? v : Number(c.ports?.find((cp) => cp.name === v)?.containerPort ?? v);
  const fail = (message: string): false => {
    detail?.(message);
    return false;
  };
  if (p.exec) {
    const cmd = p.exec.command ?? [];
    const code = await target.exec(cmd, timeoutMs).catch(() => 1);
    return (
      code === 0 ||
      fail(code === 124 ? `command "${cmd.join(' ')}" timed out` : `command "${cmd.join(' ')}" exited with ${code}`)
    );
  }
  if (p.httpGet) {
    const g = p.httpGet;
    const host = g.host || target.podIP;
    const url = `http://${host}:${port(g.port)}${g.path || '/'}`;
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.31' };
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      const req = request(
        { host, port: port(g.port), path: g.path || '/', headers, timeout: timeoutMs, agent: false },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve((code >= 200 && code < 400) || fail(`HTTP probe failed with statuscode: ${code}`));
        },
      );
      req
        .on('timeout', () =>
          req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')),
        )
        .on('error', (err) => resolve(fail(`Get "${url}": ${err.message}`)))
        .end();
    });
  }
  if (p.tcpSocket) {
    const t = p.tcpSocket;
    const addr = `${t.host || target.podIP}:${port(t.port)}`;
    return new Promise((resolve) => {
      const sock = connect({ host: t.host || target.podIP, port: port(t.port), timeout: timeoutMs }, () => {
        sock.destroy();
        resolve(true);
      });
      sock
        .on('timeout', () => {
          sock.destroy();
          resolve(fail(`dial tcp ${addr}: i/o timeout`));
        })
        .on('error', (err) => resolve(fail(`dial tcp ${addr}: ${err.message}`)));
    });
  }
  if (p.grpc) {
    const msg = await grpcHealthCheck(target.podIP, p.grpc.port, p.grpc.service ?? '', timeoutMs);
    return msg === undefined || fail(msg);
  }
  return fail('probe has no handler');
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
  /** One probe run failed (kubelet's Unhealthy event), with why. */
  onFailure?(kind: ProbeKind, message: string): void;
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
    this.setTimer =
      o.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return { clear: () => clearTimeout(t) };
      });
    const c = o.container;
    const add = (kind: ProbeKind, p: Probe | undefined): void => {
      if (p) this.probes.push(new ProbeState(kind, probeTiming(kind, p), o.startedAtMs));
    };
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
    return this.started
      ? this.probes.filter((p) => p.kind !== 'startup')
      : this.probes.filter((p) => p.kind === 'startup');
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
    const spec = (k: ProbeKind): Probe | undefined =>
      k === 'startup'
        ? this.o.container.startupProbe
        : k === 'liveness'
          ? this.o.container.livenessProbe
          : this.o.container.readinessProbe;
    const run = this.o.run ?? runProbe;
    const results = await Promise.all(
      due.map(async (p) =>
        run(spec(p.kind) ?? {}, this.o.container, this.o.target, p.timing.timeoutMs, (m) =>
          this.o.onFailure?.(p.kind, m),
        ),
      ),
    );
    this.running = false;
    if (this.stopped) return;
    let changed = false;
    due.forEach((p, i) => {
      if (p.record(results[i] ?? false, this.now())) changed = true;
    });
    const failed = due.find((p) => p.kind !== 'readiness' && p.result === false);
    if (failed) {
      this.o.log.info(
        { container: this.o.container.name, probe: failed.kind },
        'probe failed: restarting the container',
      );
      this.stop();
      this.o.onUnhealthy(failed.kind);
      return;
    }
    if (changed) this.o.onChange();
    this.schedule();
  }
}
