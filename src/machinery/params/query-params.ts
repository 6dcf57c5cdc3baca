/**
 * Query parameters converted to values the way Kubernetes' parameter codec converts them (the
 * url.Values conversions of apimachinery's runtime package, used for ListOptions, DeleteOptions,
 * PatchOptions, PodLogOptions, PodExecOptions and the rest). Both the API server and the agent's
 * kubelet-style server read their parameters through these, so a value means the same everywhere.
 *
 * - Only the first value of a repeated parameter counts.
 * - A boolean is false when absent, `0` or `false` in any letter case, and true otherwise — also
 *   for `True`, `1`, `yes` and an empty value (`?watch`). Clients rely on this: the Python client
 *   sends `watch=True`, kubectl `watch=true`, the kubelet path `output=1`.
 * - An integer is a base-10 int64 with an optional sign (Go's strconv.ParseInt); anything else,
 *   the empty value included, is a 400 BadRequest naming the parameter.
 */
import { errors } from '../../api/errors.js';

/** Kubernetes' string → bool conversion of one query value. Pure. */
export function parseBool(value: string): boolean {
  return !(value === '0' || value.toLowerCase() === 'false');
}

/** The boolean `name`; false when absent. Never throws. */
export function boolParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && parseBool(v);
}

/** The boolean `name`, undefined when absent (a `*bool` field such as sendInitialEvents or force). Never throws. */
export function optionalBoolParam(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  return v === null ? undefined : parseBool(v);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A base-10 int64 (Go's strconv.ParseInt(value, 10, 64)) as a number; values beyond 2^53 lose
 * precision, which no count or duration parameter reaches. Throws BadRequest naming `name` when
 * `value` is not one. Pure.
 */
export function parseInt64(name: string, value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw errors.badRequest(`${name}: Invalid value: "${value}": must be an integer`);
  const n = BigInt(value);
  if (n < INT64_MIN || n > INT64_MAX)
    throw errors.badRequest(`${name}: Invalid value: "${value}": value out of range for a 64-bit integer`);
  return Number(n);
}

/** The integer `name`; undefined when absent. Throws BadRequest when present but not an int64. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  return v === null ? undefined : parseInt64(name, v);
}
