/**
 * The error every client call throws when the server answers with a failure: the Kubernetes
 * `Status` it sent (or one synthesised from the HTTP status when the body was not a Status).
 * Network failures are not ClientErrors; they surface as the transport's own errors.
 */
export interface Status {
  kind?: 'Status';
  apiVersion?: string;
  status?: string;
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

export class ClientError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Status;

  constructor(status: Status) {
    super(status.message);
    this.name = 'ClientError';
    this.status = status;
    this.code = status.code;
    this.reason = status.reason;
  }
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The ClientError for a failed response: its body parsed as a Status when it is one. Pure. */
export function clientErrorOf(httpStatus: number, bodyText: string): ClientError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  if (isStatus(parsed)) return new ClientError({ ...parsed, code: parsed.code || httpStatus });
  return new ClientError({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code: httpStatus,
    reason: REASON_BY_CODE[httpStatus] ?? 'Unknown',
    message: bodyText.trim() || `the server responded with HTTP ${httpStatus}`,
  });
}

/** Whether a JSON value is a Kubernetes Status with code, reason and message. */
export function isStatus(v: unknown): v is Status {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return s.kind === 'Status' && typeof s.code === 'number';
}

/** True for a ClientError with HTTP 404 (callers treat NotFound as "already done"). */
export function isNotFound(err: unknown): boolean {
  return err instanceof ClientError && err.code === 404;
}

/** True for a ClientError with HTTP 409 and reason Conflict (a stale resourceVersion). */
export function isConflict(err: unknown): boolean {
  return err instanceof ClientError && err.code === 409 && err.reason === 'Conflict';
}

/** True for a ClientError with HTTP 409 and reason AlreadyExists. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ClientError && err.code === 409 && err.reason === 'AlreadyExists';
}

/** True for 410 Gone / Expired: a watch or continue token too old; the caller must relist. */
export function isGone(err: unknown): boolean {
  return err instanceof ClientError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}
