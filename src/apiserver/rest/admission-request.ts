import type { AdmissionRequest } from '../admission/plugin.js';
import { newAdmissionNotes } from '../admission/plugin.js';
import type { ResourceCall } from './rest-context.js';
import type { WriteOptions } from './write-options.js';

/** The admission view of a write: its caller, subresource and dry run, and the call's notes (fresh ones when the call has none). */
export function admissionRequest(call: ResourceCall, subresource: string, opts: WriteOptions): AdmissionRequest {
  call.admission ??= newAdmissionNotes();
  return { user: call.user, subresource, dryRun: opts.dryRun, notes: call.admission };
}
