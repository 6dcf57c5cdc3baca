import {
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  ANONYMOUS,
  parseServiceAccountUsername,
  serviceAccountGroups,
} from '../../api/rbac/users.js';
import type { AuthzUser, ResourceAttributes } from './authorizer.js';

/** What a request asks to act as (the Impersonate-User, -Group, -Uid and -Extra-* headers). */
export interface ImpersonationRequest {
  user?: string;
  groups?: readonly string[];
  uid?: string;
  /** Extra keys as sent (the header suffix, unescaped and lower-cased by the caller). */
  extra?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Kubernetes' impersonation filter as data: the `impersonate` checks the requester must pass (all
 * of them, in order; the first that is not allowed answers 403 with its attributes) and the user
 * the request then runs as. Impersonating a ServiceAccount user name checks `serviceaccounts` in
 * its namespace and, without explicit groups, gives it the service-account groups; a user other
 * than system:anonymous gains system:authenticated, anonymous gains system:unauthenticated.
 * Returns undefined when no user is asked for (groups, uid or extra alone are a 400 at the caller).
 */
export function impersonationPlan(
  requester: AuthzUser,
  req: ImpersonationRequest,
): { checks: ResourceAttributes[]; user: AuthzUser } | undefined {
  if (!req.user) return undefined;
  const checks: ResourceAttributes[] = [];
  const check = (apiGroup: string, resource: string, name: string, namespace = '', subresource = ''): void => {
    checks.push({
      resourceRequest: true,
      user: requester,
      verb: 'impersonate',
      apiGroup,
      apiVersion: apiGroup ? 'v1' : '', // as the filter's object references carry it
      resource,
      subresource,
      namespace,
      name,
    });
  };
  const groupsSpecified = (req.groups ?? []).length > 0;
  let groups: string[] = [];
  const sa = parseServiceAccountUsername(req.user);
  if (sa) {
    check('', 'serviceaccounts', sa.name, sa.namespace);
    if (!groupsSpecified) groups = serviceAccountGroups(sa.namespace);
  } else {
    check('', 'users', req.user);
  }
  for (const g of req.groups ?? []) {
    check('', 'groups', g);
    groups.push(g);
  }
  const extra: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(req.extra ?? {})) {
    for (const v of values) {
      check('authentication.k8s.io', 'userextras', v, '', key);
      if (!extra[key]) extra[key] = [];
      extra[key].push(v);
    }
  }
  if (req.uid) check('authentication.k8s.io', 'uids', req.uid);

  const implicit = req.user === ANONYMOUS ? ALL_UNAUTHENTICATED : ALL_AUTHENTICATED;
  if (!groups.includes(implicit)) groups.push(implicit);
  const user: AuthzUser = { name: req.user, groups };
  if (req.uid) user.uid = req.uid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return { checks, user };
}
