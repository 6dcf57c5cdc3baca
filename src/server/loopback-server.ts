import { createServer, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import type { ApiHandler } from './api-handler-contract.js';
import type { UserInfo } from '../apiserver/auth/user-info.js';

/** Who calls through the loopback socket: the server's own built-in controllers. */
const LOOPBACK_USER: UserInfo = { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

/**
 * The API on a Unix socket in the data dir (mode 0600, so only root reaches it) for the server's
 * own controllers and scheduler: the same REST core as HTTPS, without paying TLS on every request
 * and watch event between two halves of one process. Resolves once listening.
 */
export async function listenLoopback(socketPath: string, handler: ApiHandler): Promise<Server> {
  await rm(socketPath, { force: true });
  const server = createServer({ keepAliveTimeout: 90_000 }, (req, res) => handler.handle(req, res, LOOPBACK_USER));
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
