/**
 * Who made a request, as the authenticators establish it (Kubernetes' user.Info; uid and extra
 * only come with impersonation for now). The REST core re-exports this type from apiserver/user-info.ts.
 */
export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** Kubernetes adds this group to every authenticated user. */
export const AUTHENTICATED_GROUP = 'system:authenticated';
