/**
 * Well-known user and group names (Kubernetes' k8s.io/apiserver/pkg/authentication/user and
 * .../serviceaccount). Authenticators set them; the bootstrap policy binds roles to them.
 */
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const MONITORING_GROUP = 'system:monitoring';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ANONYMOUS = 'system:anonymous';
export const KUBE_PROXY = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';

export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';

/** `system:serviceaccount:<namespace>:<name>`, the user name a ServiceAccount token authenticates as. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/** The groups a ServiceAccount belongs to: all service accounts, and those of its namespace. */
export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNT_GROUP_PREFIX}${namespace}`];
}

/**
 * True when `username` is exactly the ServiceAccount `namespace/name` (Kubernetes'
 * serviceaccount.MatchesUsername, which compares without allocating).
 */
export function matchesServiceAccountUsername(namespace: string, name: string, username: string): boolean {
  const p = SERVICE_ACCOUNT_USERNAME_PREFIX;
  if (!username.startsWith(p)) return false;
  const rest = username.length - p.length;
  if (rest !== namespace.length + 1 + name.length) return false;
  return (
    username.startsWith(namespace, p.length) && username[p.length + namespace.length] === ':' && username.endsWith(name)
  );
}

/** `namespace` and `name` of a ServiceAccount user name, or undefined for other users. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { namespace: parts[0], name: parts[1] };
}
