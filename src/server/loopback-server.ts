import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import type { ApiHandler } from './api-handler-contract.js';
import type { UserInfo } from '../apiserver/auth/user-info.js';
import { writeUnauthorized } from '../apiserver/auth/unauthorized.js';
import type { ClientOptions } from '../machinery/client/index.js';

/** Who calls through the loopback socket without a token: the API server itself (kube-apiserver's loopback user). */
const LOOPBACK_USER: UserInfo = { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

/**
 * The identities the server's own components use on the loopback socket: each gets a random
 * bearer token minted in memory at start (never written anywhere, accepted only on this socket,
 * so nothing a remote caller sends over HTTPS can match one). A request without a token is the
 * API server itself (system:masters: whoever reaches the root-only socket could read the admin
 * kubeconfig anyway); a token not minted here is refused with 401.
 */
export class LoopbackIdentities {
  private readonly byToken = new Map<string, UserInfo>();
  private readonly byUser = new Map<string, string>();

  /** The token of `user` (the same for the same name and groups); minted on the first call. */
  tokenFor(user: UserInfo): string {
    const key = `${user.name}\u0000${user.groups.join('\u0000')}`;
    let token = this.byUser.get(key);
    if (token === undefined) {
      token = `loopback-${randomBytes(32).toString('base64url')}`;
      this.byUser.set(key, token);
      this.byToken.set(token, { name: user.name, groups: [...user.groups] });
    }
    return token;
  }

  /** The caller of a request: LOOPBACK_USER without an Authorization header, undefined for a token not minted here. */
  userOf(authorization: string | undefined): UserInfo | undefined {
    if (authorization === undefined) return LOOPBACK_USER;
    const m = /^Bearer (\S+)$/i.exec(authorization);
    if (!m?.[1]) return undefined;
    // 256 random bits per token: a hash lookup leaks nothing a caller could use to guess one.
    return this.byToken.get(m[1]);
  }
}

/** Connection options of a client on the loopback socket as `user` (see LoopbackIdentities). */
export function loopbackConnection(
  socketPath: string,
  identities: LoopbackIdentities,
  user: UserInfo,
  userAgent: string,
): ClientOptions {
  return { server: 'http://localhost', socketPath, token: identities.tokenFor(user), userAgent };
}

/**
 * The API on a Unix socket in the data dir (mode 0600, so only root reaches it) for the server's
 * own controllers, scheduler and (`up`) node agent: the same REST core as HTTPS, without paying TLS
 * on every request and watch event between two halves of one process. Each component calls with
 * its own identity (LoopbackIdentities), so RBAC and the Node authorizer judge it as they would a
 * remote one. Resolves once listening.
 */
export async function listenLoopback(
  socketPath: string,
  handler: ApiHandler,
  identities: LoopbackIdentities,
): Promise<Server> {
  await rm(socketPath, { force: true });
  const server = createServer({ keepAliveTimeout: 90_000 }, (req, res) => {
    const user = identities.userOf(req.headers.authorization);
    if (user === undefined) writeUnauthorized(res);
    else handler.handle(req, res, user);
  });
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  return server;
}
