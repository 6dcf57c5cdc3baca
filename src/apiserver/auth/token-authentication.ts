import type { UserInfo } from './user-info.js';

/** What one bearer token authenticates as, for a set of audiences (Kubernetes' authenticator.Response). */
export type TokenAuthentication =
  /** Not a token this authenticator knows (another one may). */
  | { kind: 'unknown' }
  /** A token this authenticator knows that is not (or no longer) valid; `message` as Kubernetes words it. */
  | { kind: 'invalid'; message: string }
  /** Valid: the user and the audiences the token was accepted for. */
  | { kind: 'user'; user: UserInfo; audiences: string[] };
