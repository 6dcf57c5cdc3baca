import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { type Authenticator, isAnonymous } from '../apiserver/auth/authenticator.js';
import type { SessionCredential } from '../dashboard/index.js';

/**
 * The credential a request authenticated with at the API, for a dashboard login code: a client
 * certificate of the cluster CA (the identity it proves, until it expires) — the authenticator
 * prefers it, as Kubernetes' union authenticator — else the bearer token. Undefined when the
 * request does not authenticate, and for the anonymous user (no credential to hand on).
 */
export function dashboardCredentialOf(
  authenticator: Authenticator,
  req: IncomingMessage,
): SessionCredential | undefined {
  const user = authenticator.authenticate(req);
  if (!user || isAnonymous(user)) return undefined;
  const socket = req.socket;
  if (socket instanceof TLSSocket && socket.authorized) {
    const cert = socket.getPeerCertificate();
    const notAfterMs = Date.parse(cert.valid_to ?? '');
    if (cert.subject?.CN && Number.isFinite(notAfterMs)) return { kind: 'identity', user, notAfterMs };
  }
  const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  return token ? { kind: 'token', token } : undefined;
}
