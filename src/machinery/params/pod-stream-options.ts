/**
 * The options of the pod subresources that the API server hands on to the node agent: pods/log
 * (PodLogOptions), pods/exec and pods/attach (PodExecOptions, PodAttachOptions). Each is parsed
 * from the client's query once in the API server (errors and messages as kube-apiserver's), turned
 * into the canonical kubelet query for the agent (as kube-apiserver's LogLocation / ExecLocation
 * build it), and parsed from that query again by the agent with the same functions.
 */
import { errors, fieldErrors, type FieldError } from '../../api/errors.js';
import { boolParam, intParam } from './query-params.js';

/** core/v1 PodLogOptions, as the agent needs them. */
export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** sinceTime as epoch milliseconds (whole seconds, as metav1.Time keeps it). */
  sinceTimeMs?: number;
  tailLines?: number;
  limitBytes?: number;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * PodLogOptions from a pods/log (or agent `/containerLogs`) query. Throws BadRequest when a value
 * does not parse, Invalid (422, `PodLogOptions "<pod>" is invalid: ...`) when the options break
 * Kubernetes' validation (tailLines >= 0, limitBytes > 0, sinceSeconds > 0, not both since*).
 */
export function parsePodLogOptions(query: URLSearchParams, podName = ''): PodLogOptions {
  const sinceTime = query.get('sinceTime');
  let sinceTimeMs: number | undefined;
  if (sinceTime !== null) {
    const ms = RFC3339.test(sinceTime) ? Date.parse(sinceTime) : Number.NaN;
    if (Number.isNaN(ms))
      throw errors.badRequest(`sinceTime: Invalid value: "${sinceTime}": must be an RFC 3339 date and time`);
    sinceTimeMs = Math.floor(ms / 1000) * 1000;
  }
  const opts: PodLogOptions = {
    container: query.get('container') || undefined,
    follow: boolParam(query, 'follow'),
    previous: boolParam(query, 'previous'),
    timestamps: boolParam(query, 'timestamps'),
    sinceSeconds: intParam(query, 'sinceSeconds'),
    sinceTimeMs,
    tailLines: intParam(query, 'tailLines'),
    limitBytes: intParam(query, 'limitBytes'),
  };
  const invalid: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0)
    invalid.push(fieldErrors.invalid('tailLines', opts.tailLines, 'must be greater than or equal to 0'));
  if (opts.limitBytes !== undefined && opts.limitBytes < 1)
    invalid.push(fieldErrors.invalid('limitBytes', opts.limitBytes, 'must be greater than 0'));
  if (opts.sinceSeconds !== undefined && opts.sinceTimeMs !== undefined)
    invalid.push(fieldErrors.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1)
    invalid.push(fieldErrors.invalid('sinceSeconds', opts.sinceSeconds, 'must be greater than 0'));
  if (invalid.length > 0) throw errors.invalid('PodLogOptions', podName, invalid);
  return opts;
}

/** The canonical query for the agent's `/containerLogs` (the container goes in the path). Pure. */
export function podLogQuery(o: PodLogOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.timestamps) q.set('timestamps', 'true');
  if (o.sinceSeconds !== undefined) q.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTimeMs !== undefined) q.set('sinceTime', new Date(o.sinceTimeMs).toISOString().replace(/\.\d+Z$/, 'Z'));
  if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) q.set('limitBytes', String(o.limitBytes));
  return q;
}

/** core/v1 PodExecOptions (PodAttachOptions is the same without `command`). */
export interface PodStreamOptions {
  container?: string;
  /** Empty for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** PodExecOptions / PodAttachOptions from a client's pods/exec or pods/attach query. Never throws. */
export function parsePodStreamOptions(query: URLSearchParams): PodStreamOptions {
  return {
    container: query.get('container') || undefined,
    command: query.getAll('command'),
    stdin: boolParam(query, 'stdin'),
    stdout: boolParam(query, 'stdout'),
    stderr: boolParam(query, 'stderr'),
    tty: boolParam(query, 'tty'),
  };
}

/**
 * The kubelet's exec/attach query (`command` repeated; `input`, `output`, `error`, `tty` = 1 when
 * set), as kube-apiserver sends it; the container goes in the path. Pure.
 */
export function kubeletStreamQuery(o: PodStreamOptions): URLSearchParams {
  const q = new URLSearchParams();
  for (const c of o.command) q.append('command', c);
  if (o.stdin) q.set('input', '1');
  if (o.stdout) q.set('output', '1');
  if (o.stderr) q.set('error', '1');
  if (o.tty) q.set('tty', '1');
  return q;
}

/**
 * The options of an agent exec/attach request: the kubelet names (`input`, `output`, `error`) or the
 * PodExecOptions names (`stdin`, `stdout`, `stderr`), either counts. Never throws.
 */
export function parseKubeletStreamQuery(query: URLSearchParams): PodStreamOptions {
  const api = parsePodStreamOptions(query);
  return {
    ...api,
    stdin: api.stdin || boolParam(query, 'input'),
    stdout: api.stdout || boolParam(query, 'output'),
    stderr: api.stderr || boolParam(query, 'error'),
  };
}
