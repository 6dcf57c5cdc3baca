import { SYSTEM_PRIVILEGED_GROUP } from '../../api/rbac/users.js';
import { ALLOW, type Attributes, type AuthorizationResult, type Authorizer, NO_OPINION } from './authorizer.js';

/**
 * Kubernetes' privileged-group authorizer: allows everything to members of the given groups
 * (kube-apiserver passes `system:masters`), and has no opinion about anyone else. Put it first in
 * the chain so a broken RBAC policy can always be repaired by an admin.
 */
export function privilegedGroupAuthorizer(groups: readonly string[] = [SYSTEM_PRIVILEGED_GROUP]): Authorizer {
  const privileged = new Set(groups);
  return {
    authorize(attributes: Attributes): AuthorizationResult {
      for (const g of attributes.user.groups) if (privileged.has(g)) return ALLOW;
      return NO_OPINION;
    },
  };
}
