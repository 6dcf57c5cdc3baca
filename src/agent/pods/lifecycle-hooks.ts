import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { podDescription } from './pod-events.js';

/** What a hook needs from the node: the pod IP (httpGet) and exec in the container. */
export interface HookTarget {
  podIP: string;
  /** Runs a command in the container; resolves with its exit code (124 after timeoutMs). */
  exec(args: string[], timeoutMs: number): Promise<number>;
}

/** kubelet gives a container at least this much after its preStop hook used up the grace period. */
export const MIN_GRACE_AFTER_PRESTOP_MS = 2000;
/** postStart has no timeout in Kubernetes; the agent bounds it so a stuck hook cannot hold a pod worker forever. */
export const POST_START_TIMEOUT_MS = 120_000;

function hookPort(c: Container, v: number | string | undefined): number {
  return typeof v === 'number' ? v : Number(c.ports?.find((p) => p.name === v)?.containerPort ?? v);
}

function httpHook(
  h: NonNullable<LifecycleHandler['httpGet']>,
  c: Container,
  podIP: string,
  timeoutMs: number,
): Promise<void> {
  const https = h.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-lifecycle/1.31' };
  for (const x of h.httpHeaders ?? []) headers[x.name] = x.value;
  const opts = {
    host: h.host || podIP,
    port: hookPort(c, h.port),
    path: h.path || '/',
    headers,
    timeout: timeoutMs,
    agent: false as const,
  };
  return new Promise((resolve, reject) => {
    // As kubelet: the response's status is not checked, only that one arrives.
    const done = (res: import('node:http').IncomingMessage): void => {
      res.resume();
      resolve();
    };
    const req = https ? httpsRequest({ ...opts, rejectUnauthorized: false }, done) : httpRequest(opts, done);
    req
      .on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)))
      .on('error', reject)
      .end();
  });
}

/**
 * Runs one lifecycle handler (exec in the container, httpGet against the pod IP, or sleep) within
 * timeoutMs. Resolves undefined on success, else kubelet's failure message. Never throws.
 */
export async function runHook(
  kind: 'PostStart' | 'PreStop',
  h: LifecycleHandler,
  pod: Pod,
  c: Container,
  target: HookTarget,
  timeoutMs: number,
): Promise<string | undefined> {
  const where = `for Container "${c.name}" in Pod "${podDescription(pod)}"`;
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    const code = await target.exec(cmd, timeoutMs).catch(() => -1);
    if (code === 0) return undefined;
    const why =
      code === 124
        ? `command '${cmd.join(' ')}' timed out after ${timeoutMs} ms`
        : `command '${cmd.join(' ')}' exited with ${code}`;
    return `Exec lifecycle hook ([${cmd.join(' ')}]) ${where} failed - error: ${why}, message: ""`;
  }
  if (h.httpGet) {
    const err = await httpHook(h.httpGet, c, target.podIP, timeoutMs).then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    return err === undefined
      ? undefined
      : `HTTP lifecycle hook (${h.httpGet.path ?? '/'}) ${where} failed - error: ${err}, message: ""`;
  }
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(Math.max(0, h.sleep?.seconds ?? 0) * 1000, timeoutMs)));
    return undefined;
  }
  return `${kind} hook ${where} has no handler (exec, httpGet or sleep)`;
}

export interface GracefulStopOptions {
  runtime: ContainerRuntime;
  pod: Pod;
  /** The runtime's id of the container to stop. */
  id: string;
  /** Its spec (undefined: no hook). */
  container?: Container;
  target: HookTarget;
  graceMs: number;
  /** The preStop hook failed (event FailedPreStopHook); the stop goes on. */
  onHookFailed?(message: string): void;
}

/**
 * Graceful termination as kubelet does it: the preStop hook (if any, while the container runs and
 * the grace is not zero) within the grace period, then SIGTERM, and SIGKILL once what is left of the
 * grace period (at least 2 s after a hook) has passed. Resolves once the container has exited.
 */
export async function stopGracefully(o: GracefulStopOptions): Promise<void> {
  let grace = o.graceMs;
  const running = o.runtime.listContainers(o.pod.metadata?.uid).find((s) => s.id === o.id)?.status === 'running';
  const preStop = o.container?.lifecycle?.preStop;
  if (preStop && o.container && running && grace > 0) {
    const t0 = Date.now();
    const err = await runHook('PreStop', preStop, o.pod, o.container, o.target, grace);
    if (err) o.onHookFailed?.(err);
    grace = Math.max(grace - (Date.now() - t0), MIN_GRACE_AFTER_PRESTOP_MS);
  }
  await o.runtime.stopContainer(o.id, grace);
}
