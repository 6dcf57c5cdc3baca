/**
 * Typed API errors. Code anywhere in the server throws these; the HTTP edge turns them into a
 * Kubernetes `Status` with `toStatus`. Reasons and codes are Kubernetes' own (metav1.StatusReason).
 */

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout'
  | 'ServiceUnavailable'
  /** StatusReasonUnknown: a server error with no more specific reason (kubectl: `Error from server: <message>`). */
  | '';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }
}

/** One invalid field: `field` is a path such as `spec.containers[0].image`. */
export interface FieldError {
  field: string;
  /** Kubernetes cause reason: FieldValueRequired, FieldValueInvalid, FieldValueNotSupported,
   *  FieldValueDuplicate, FieldValueForbidden, FieldValueTooLong, FieldValueTypeInvalid, UnknownField... */
  reason: string;
  /** e.g. `Required value`, `Invalid value: "x": must be ...` */
  message: string;
}

/** Printed values longer than this many characters are cut (see shownValue). */
export const MAX_SHOWN_VALUE_CHARS = 256;

/**
 * A value as a field error prints it: JSON (strings quoted), cut to its first 256 characters
 * with `... (truncated from N characters)` after them when longer. Kubernetes' field errors print
 * the whole value (a 1 MB label value gives a 2 MB 422: the message and the cause each hold it);
 * cutting it keeps error replies and logs small and still shows what the value looked like.
 * Pure; a value JSON cannot print (too deep) shows as its type.
 */
export function shownValue(value: unknown): string {
  let text: string | undefined;
  if (typeof value === 'string' && value.length > MAX_SHOWN_VALUE_CHARS) {
    return `${JSON.stringify(value.slice(0, MAX_SHOWN_VALUE_CHARS))}... (truncated from ${value.length} characters)`;
  }
  try {
    text = JSON.stringify(value);
  } catch {
    return Array.isArray(value) ? 'array' : typeof value;
  }
  if (text === undefined) return 'null';
  if (text.length <= MAX_SHOWN_VALUE_CHARS) return text;
  return `${text.slice(0, MAX_SHOWN_VALUE_CHARS)}... (truncated from ${text.length} characters)`;
}

export const fieldErrors = {
  required: (field: string, detail = ''): FieldError => ({
    field,
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${shownValue(value)}: ${detail}`,
  }),
  notSupported: (field: string, value: unknown, allowed: string[]): FieldError => ({
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${shownValue(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    field,
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${shownValue(value)}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    field,
    reason: 'FieldValueForbidden',
    message: `Forbidden: ${detail}`,
  }),
  tooLong: (field: string, max: number): FieldError => ({
    field,
    reason: 'FieldValueTooLong',
    message: `Too long: may not be more than ${max} bytes`,
  }),
  typeInvalid: (field: string, detail: string): FieldError => ({
    field,
    reason: 'FieldValueTypeInvalid',
    message: `Invalid value: ${detail}`,
  }),
  unknown: (field: string): FieldError => ({ field, reason: 'FieldValueInvalid', message: `unknown field "${field}"` }),
};

export const errors = {
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: (message = 'Unauthorized') => new ApiError(401, 'Unauthorized', message),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  notFound: (resource: string, name: string, group = '') =>
    new ApiError(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, {
      name,
      group,
      kind: resource,
    }),
  alreadyExists: (resource: string, name: string, group = '') =>
    new ApiError(409, 'AlreadyExists', `${resource}${group ? `.${group}` : ''} "${name}" already exists`, {
      name,
      group,
      kind: resource,
    }),
  conflict: (resource: string, name: string, detail: string, group = '') =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource}${group ? `.${group}` : ''} "${name}": ${detail}`,
      { name, group, kind: resource },
    ),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  /** 422: `The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be ...` */
  invalid: (kind: string, name: string, causes: FieldError[], group = '') =>
    new ApiError(
      422,
      'Invalid',
      `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      { name, group, kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) },
    ),
  methodNotAllowed: (message: string) => new ApiError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),
  tooLarge: (message: string) => new ApiError(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${contentType})`,
    ),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
};

/** The Kubernetes `Status` object for an error (an ApiError, or anything else as a 500). */
export function toStatus(err: unknown): { code: number; body: Record<string, unknown> } {
  const e = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  const body: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    ...(e.reason ? { reason: e.reason } : {}),
    code: e.code,
  };
  if (e.details) body.details = e.details;
  return { code: e.code, body };
}
