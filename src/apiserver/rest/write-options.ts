import { errors } from '../../api/errors.js';
import { fieldValidationOf, type FieldValidation } from './decode-object.js';

/** Query options shared by create, update and patch. */
export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: FieldValidation;
}

export function writeOptionsOf(
  query: URLSearchParams,
  userAgent: string | undefined,
  defaultManager?: string,
): WriteOptions {
  const dryRun = query.getAll('dryRun');
  for (const d of dryRun)
    if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  const manager = query.get('fieldManager') ?? defaultManager ?? managerFromUserAgent(userAgent);
  if (manager.length > 128) throw errors.badRequest('fieldManager: Too long: may not be more than 128 bytes');
  return { dryRun: dryRun.length > 0, fieldManager: manager, fieldValidation: fieldValidationOf(query) };
}

/** Kubernetes names a manager after the client's user agent up to the first '/' (e.g. `kubectl`). */
function managerFromUserAgent(ua: string | undefined): string {
  if (!ua) return 'unknown';
  const i = ua.indexOf('/');
  return (i < 0 ? ua : ua.slice(0, i)).slice(0, 128) || 'unknown';
}
