/**
 * The 409 Conflict Kubernetes answers an apply with when other managers own fields it would
 * change (k8s.io/apiserver fieldmanager `NewConflictError`), e.g.
 * `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`.
 */
import { ApiError, type StatusCause } from '../errors.js';
import { formatPath } from './field-path.js';
import type { Manager } from './managed-fields-codec.js';
import type { ManagerConflict } from './ownership.js';

/** `"name"`, plus `with subresource "status"` and, for Update managers, `using <apiVersion>`. */
export function printManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s = `${s} with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === 'Update' ? `${s} using ${m.apiVersion}` : s;
}

export function applyConflictError(conflicts: ManagerConflict[]): ApiError {
  const sorted = [...conflicts].sort((a, b) => (printManager(a.manager) < printManager(b.manager) ? -1 : 1));
  const causes: StatusCause[] = [];
  for (const c of sorted) {
    for (const p of c.paths)
      causes.push({
        reason: 'FieldManagerConflict',
        message: `conflict with ${printManager(c.manager)}`,
        field: formatPath(p),
      });
  }
  let message: string;
  if (causes.length === 1) {
    message = `Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`;
  } else {
    const lines: string[] = [];
    for (const c of sorted) {
      lines.push(`conflicts with ${printManager(c.manager)}`);
      for (const p of c.paths) lines.push(`- ${formatPath(p)}`);
    }
    message = `Apply failed with ${causes.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}
