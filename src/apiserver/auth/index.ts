/** Authentication: bearer tokens (admin, cluster join token) and client certificates of the cluster CA. */
export {
  anonymousUser,
  createAuthenticator,
  isAnonymous,
  NODE_NAME_HEADER,
  type Authenticator,
  type AuthenticatorOptions,
} from './authenticator.js';
export {
  ensureClusterTokens,
  joinTokenSecret,
  caHash,
  ADMIN_TOKEN_FILE,
  JOIN_TOKEN_FILE,
  type ClusterTokens,
} from './cluster-tokens.js';
export { writeUnauthorized } from './unauthorized.js';
export { AUTHENTICATED_GROUP, type UserInfo } from './user-info.js';
