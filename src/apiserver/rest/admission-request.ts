import type { AdmissionRequest } from '../admission/plugin.js';
import { newAdmissionNotes } from '../admission/plugin.js';
import type { ResourceCall } from './rest-context.js';
import type { WriteOptions } from './write-options.js';

/**
 * The admission view of a write: its caller, subresource (the URL's when known: a scale writes the
 * whole object but is still a scale) and dry run, and the call's notes (fresh ones when it has none).
 */
export function admissionRequest(call: ResourceCall, subresource: string, opts: WriteOptions): AdmissionRequest {
  call.admission ??= newAdmissionNotes();
  return {
    user: call.user,
    subresource: call.subresource ?? subresource,
    namespace: call.namespace,
    name: call.name,
    dryRun: opts.dryRun,
    notes: call.admission,
  };
}
