import { NODES_GROUP } from './users.js';

/** The user name prefix of node identities: `system:node:<node name>`. */
export const NODE_USER_PREFIX = 'system:node:';

/**
 * Kubernetes' nodeidentifier.NodeIdentity: a user named `system:node:<name>` in group
 * `system:nodes` is node `<name>`. Undefined for any other user; `''` for a `system:node:` user
 * whose name is empty (a node, but not one that can be told apart: the Node authorizer and
 * NodeRestriction refuse it). Used by both, so they agree on who is a node.
 */
export function nodeIdentity(user: { name: string; groups: readonly string[] }): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  if (!user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}
