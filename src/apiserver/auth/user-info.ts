/** Who made a request: the REST core's UserInfo, which the authenticators produce. */
export type { UserInfo } from '../user-info.js';

/** Kubernetes adds this group to every authenticated user. */
export const AUTHENTICATED_GROUP = 'system:authenticated';
