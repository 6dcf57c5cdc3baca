/** The authenticated caller of a request (defined by the authenticator). */
export type { UserInfo } from './auth/user-info.js';
