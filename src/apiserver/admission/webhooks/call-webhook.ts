/**
 * One HTTPS POST of an AdmissionReview (or ConversionReview) to a webhook, TLS verified with the
 * configuration's caBundle (system roots without one) against the server name the configuration
 * implies: the url's host, or `<service>.<namespace>.svc` for a Service reached at an endpoint's
 * address. Failures are CallFailed errors whose message reads as client-go's
 * (`Post "https://...?timeout=10s": context deadline exceeded`), which the dispatcher wraps as
 * Kubernetes does (`failed calling webhook "x": failed to call webhook: ...`).
 */
import { Agent, request as httpsRequest } from 'node:https';

/** Where to send the request: the URL shown in messages, and the address actually dialled. */
export interface WebhookTarget {
  /** `https://host:port/path` as the configuration names it (messages, the Host header). */
  url: URL;
  /** The same as text, as Kubernetes prints it (`https://svc.ns.svc:443/path`, the port kept). */
  urlText: string;
  /** The address to connect to: an endpoint's IP and port for a Service, else the url's host and port. */
  connectHost: string;
  connectPort: number;
  /** The name the certificate must be valid for. */
  serverName: string;
}

/** A call that did not give a usable answer: connection, TLS, timeout, HTTP status, undecodable body. */
export class CallFailed extends Error {}

/** What the webhook answered with status 200: its JSON body. */
export type WebhookReply = unknown;

export interface CallOptions {
  /** PEM of the CA bundle (decoded from the configuration's base64); undefined: system roots. */
  caPem?: string;
  timeoutSeconds: number;
  /** Largest reply accepted (Kubernetes reads at most 3 MB more than the request limit; 16 MiB here). */
  maxReplyBytes?: number;
}

const DEFAULT_MAX_REPLY = 16 * 1024 * 1024;

/**
 * Connections to webhooks are kept open between calls (as Kubernetes' client does): a TLS
 * handshake per admitted request would cost more than a quick webhook's answer. The agent pools by
 * address, server name and CA, so configurations never share a connection they should not. Idle
 * connections close after 4 s, before a typical server's 5 s keep-alive ends them under us.
 */
const keepAlive = new Agent({ keepAlive: true, timeout: 4000, maxFreeSockets: 16 });

/** POSTs `body` (JSON) and resolves with the parsed 200 reply; rejects with CallFailed. */
export function postJson(target: WebhookTarget, body: unknown, opts: CallOptions): Promise<WebhookReply> {
  return attempt(target, Buffer.from(JSON.stringify(body)), opts, Date.now() + opts.timeoutSeconds * 1000, true);
}

/**
 * One try. A kept-alive connection the webhook closed just as it was reused fails before anything
 * was answered: that try is made once more on a new connection (Node's documented pattern).
 */
function attempt(
  target: WebhookTarget,
  payload: Buffer,
  opts: CallOptions,
  deadline: number,
  mayRetry: boolean,
): Promise<WebhookReply> {
  const url = new URL(target.url.toString());
  url.searchParams.set('timeout', `${opts.timeoutSeconds}s`);
  const shown = shownPost(target.urlText, opts.timeoutSeconds);
  const max = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, value?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const req = httpsRequest({
      host: target.connectHost,
      port: target.connectPort,
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      // The certificate is checked against the server name, also when dialling an endpoint's IP.
      servername: isIp(target.serverName) ? undefined : target.serverName,
      ca: opts.caPem,
      headers: {
        host: url.host,
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': payload.length,
      },
      agent: keepAlive,
    });
    const timer = setTimeout(
      () => {
        finish(new CallFailed(`${shown}: context deadline exceeded`));
        req.destroy();
      },
      Math.max(0, deadline - Date.now()),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (mayRetry && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !done) {
        done = true;
        clearTimeout(timer);
        attempt(target, payload, opts, deadline, false).then(resolve, reject);
        return;
      }
      finish(new CallFailed(`${shown}: ${describe(err, target)}`));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          finish(new CallFailed(`${shown}: the webhook's reply is larger than ${max} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('error', (err) => finish(new CallFailed(`${shown}: ${err.message}`)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          const detail = text.trim()
            ? `an error on the server (${JSON.stringify(text.trim().slice(0, 200))}) has prevented the request from succeeding`
            : `the server responded with the status code ${status} but did not return more information`;
          finish(new CallFailed(detail));
          return;
        }
        try {
          finish(undefined, JSON.parse(text));
        } catch (err) {
          finish(new CallFailed(`${shown}: the webhook's reply is not JSON: ${(err as Error).message}`));
        }
      });
    });
    req.end(payload);
  });
}

/** `Post "https://...?timeout=10s"`, as client-go's errors start. */
export function shownPost(urlText: string, timeoutSeconds: number): string {
  return `Post "${urlText}?timeout=${timeoutSeconds}s"`;
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

/** Node's socket and TLS errors in the words Go's client uses for them. */
function describe(err: NodeJS.ErrnoException, target: WebhookTarget): string {
  const addr = `${target.connectHost}:${target.connectPort}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${target.serverName} (${err.message})`;
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default:
      return err.message;
  }
}
