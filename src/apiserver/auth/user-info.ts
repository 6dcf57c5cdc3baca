/**
 * Who made a request, as the authenticators establish it (Kubernetes' user.Info without uid and
 * extra). Structurally the same as the REST core's UserInfo in apiserver/api-handler.ts.
 */
export interface UserInfo {
  name: string;
  groups: string[];
}

/** Kubernetes adds this group to every authenticated user. */
export const AUTHENTICATED_GROUP = 'system:authenticated';
