import { ApiError, type StatusDetails } from '../../api/errors.js';
import type { Attributes } from './authorizer.js';

/**
 * The 403 texts as kube-apiserver words them (responsewriters.Forbidden and
 * apierrors.NewForbidden), so kubectl and client libraries show what users know:
 *
 *   pods "web" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "dev"
 *   deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API group "apps" at the cluster scope
 *   forbidden: User "bob" cannot get path "/metrics"
 *
 * followed by `: <reason>` when the authorizers gave one.
 */

/** Kubernetes' forbiddenMessage: what the user cannot do, without the resource prefix. */
export function forbiddenMessage(a: Attributes): string {
  const user = goQuote(a.user.name);
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${goQuote(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const head = `User ${user} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup)}`;
  return a.namespace ? `${head} in the namespace ${goQuote(a.namespace)}` : `${head} at the cluster scope`;
}

/**
 * The full Status message and details of the 403 for a denied request. `reason` is the
 * authorizer's (union's) reason, '' for none.
 */
export function forbiddenStatus(a: Attributes, reason: string): { message: string; details: StatusDetails } {
  const msg = sanitize(forbiddenMessage(a));
  const err = reason ? `${msg}: ${reason}` : msg;
  const group = a.resourceRequest ? a.apiGroup : '';
  const resource = a.resourceRequest ? a.resource : '';
  const name = a.resourceRequest ? a.name : '';
  const qualified = group ? `${resource}.${group}` : resource;
  let message: string;
  if (!resource && !group) message = `forbidden: ${err}`;
  else if (!name) message = `${qualified} is forbidden: ${err}`;
  else message = `${qualified} ${goQuote(name)} is forbidden: ${err}`;
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (group) details.group = group;
  if (resource) details.kind = resource;
  return { message, details };
}

/** The typed 403 error for a denied request; the HTTP edge turns it into the Status. */
export function forbiddenError(a: Attributes, reason: string): ApiError {
  const { message, details } = forbiddenStatus(a, reason);
  return new ApiError(403, 'Forbidden', message, details);
}

/** responsewriters' sanitizer: the message may end up in an HTML-rendering client. */
function sanitize(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Go's %q (strconv.Quote) for the names in these messages: double quotes, backslash escapes for
 * quotes, backslashes and control characters; printable Unicode kept as is.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
