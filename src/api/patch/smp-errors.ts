/**
 * The errors strategic merge patch raises, with the HTTP mapping of the Kubernetes API server
 * (`interpretStrategicMergePatchError` in apiserver's patch handler): malformed directives are
 * 400 BadRequest, lists of lists and retainKeys mismatches are 422 Invalid with the generic
 * message, everything else (missing merge keys, unknown `$patch` values...) is a 500 carrying
 * apimachinery's message.
 */
import { ApiError } from '../errors.js';
import { goString } from './json-value.js';

export const smpMessages = {
  badJsonDoc: 'invalid JSON document',
  noListOfLists: 'lists of lists are not supported',
  badPrimitiveList: 'invalid patch format of primitive list',
  badRetainKeys: 'invalid patch format of retainKeys',
  badSetElementOrder: 'invalid patch format of setElementOrder list',
  retainKeysMismatch: "patch content doesn't match retainKeys list",
};

export function smpBadRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 422 as `errors.NewGenericServerResponse(422, ...)` builds it: generic message, reason kept as a cause. */
export function smpUnprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}

/** Errors Kubernetes does not map to a status: they surface as 500 with the raw message. */
export function smpInternal(message: string): ApiError {
  return new ApiError(500, 'InternalError', message);
}

export function noMergeKey(item: unknown, mergeKey: string): ApiError {
  return smpInternal(`map: ${goString(item)} does not contain declared merge key: ${mergeKey}`);
}

export function badPatchType(directive: unknown, m: unknown): ApiError {
  return smpInternal(`unknown patch type: ${goString(directive)} in map: ${goString(m)}`);
}
