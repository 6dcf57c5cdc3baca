/**
 * The body of `POST /dashboard/login`: exactly one of `token` (a bearer token), `kubeconfig` (the
 * text of a kubeconfig whose current user has a token or embedded client certificate and key) or
 * `code` (a one-time login code, as `flotilla up` prints in its link). Bad input is an ApiError
 * (400) whose causes name the field, as Kubernetes' Status does.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ApiError, type FieldError, fieldErrors } from '../api/errors.js';
import type { DashboardUser } from './sessions.js';

export type LoginRequest =
  | { kind: 'token'; token: string }
  | { kind: 'code'; code: string }
  | { kind: 'certificate'; certPem: string; keyPem: string; field: string };

const MAX_FIELD_CHARS = 64 * 1024;

/**
 * Reads a login body (already parsed JSON). Throws a 400 ApiError naming the bad field. No I/O (the
 * YAML parser is loaded on first use: start-up does not need it).
 */
export async function parseLoginRequest(body: unknown): Promise<LoginRequest> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badLogin([fieldErrors.typeInvalid('<body>', 'must be a JSON object')]);
  const b = body as Record<string, unknown>;
  const given = (['token', 'kubeconfig', 'code'] as const).filter((k) => b[k] !== undefined);
  for (const key of Object.keys(b))
    if (!['token', 'kubeconfig', 'code'].includes(key)) throw badLogin([fieldErrors.unknown(key)]);
  if (given.length === 0)
    throw badLogin([fieldErrors.required('token', 'one of token, kubeconfig or code is required')]);
  if (given.length > 1)
    throw badLogin([fieldErrors.forbidden(given[1] ?? '', `only one of token, kubeconfig or code may be given`)]);
  const key = given[0] as 'token' | 'kubeconfig' | 'code';
  const value = b[key];
  if (typeof value !== 'string') throw badLogin([fieldErrors.typeInvalid(key, 'must be a string')]);
  if (value.trim() === '') throw badLogin([fieldErrors.required(key)]);
  if (value.length > MAX_FIELD_CHARS) throw badLogin([fieldErrors.tooLong(key, MAX_FIELD_CHARS)]);
  if (key === 'token') return { kind: 'token', token: value.trim() };
  if (key === 'code') return { kind: 'code', code: value.trim() };
  return fromKubeconfig(value);
}

/** The current context's user of a kubeconfig: its token, or its embedded client certificate and key. */
async function fromKubeconfig(text: string): Promise<LoginRequest> {
  const { parse: parseYaml } = await import('yaml');
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 10 });
  } catch (err) {
    throw badLogin([fieldErrors.typeInvalid('kubeconfig', `not YAML: ${err instanceof Error ? err.message : err}`)]);
  }
  const config = record(doc);
  if (!config) throw badLogin([fieldErrors.typeInvalid('kubeconfig', 'must be a kubeconfig (a YAML mapping)')]);
  const users = Array.isArray(config.users) ? config.users.map(record) : [];
  const contexts = Array.isArray(config.contexts) ? config.contexts.map(record) : [];
  const current = typeof config['current-context'] === 'string' ? config['current-context'] : undefined;
  const context = current ? contexts.find((c) => c?.name === current) : contexts.length === 1 ? contexts[0] : undefined;
  const userName = record(context?.context)?.user;
  const index =
    typeof userName === 'string' ? users.findIndex((u) => u?.name === userName) : users.length === 1 ? 0 : -1;
  if (index < 0)
    throw badLogin([
      fieldErrors.required('kubeconfig.users', 'no user for the current context (current-context names a context)'),
    ]);
  const field = `kubeconfig.users[${index}].user`;
  const user = record(users[index]?.user) ?? {};
  if (typeof user.token === 'string' && user.token !== '') return { kind: 'token', token: user.token };
  const cert = user['client-certificate-data'];
  const key = user['client-key-data'];
  if (typeof cert === 'string' && typeof key === 'string')
    return {
      kind: 'certificate',
      certPem: Buffer.from(cert, 'base64').toString('utf8'),
      keyPem: Buffer.from(key, 'base64').toString('utf8'),
      field,
    };
  for (const fileField of ['client-certificate', 'client-key', 'tokenFile'])
    if (user[fileField] !== undefined)
      throw badLogin([
        fieldErrors.forbidden(
          `${field}.${fileField}`,
          'the server cannot read files named in a kubeconfig: embed it (client-certificate-data, client-key-data, token)',
        ),
      ]);
  throw badLogin([
    fieldErrors.required(`${field}.token`, 'the user needs a token or client-certificate-data with client-key-data'),
  ]);
}

/**
 * The identity of a client certificate issued by `caPem`, proven by its private key: CN the user,
 * O the groups plus system:authenticated (as the API server's certificate authenticator, so RBAC's
 * bindings to authenticated users such as system:basic-user apply). Throws a 401 ApiError when the
 * certificate is not the CA's, not valid now, not for client authentication, or not the key's.
 */
export function certificateIdentity(
  certPem: string,
  keyPem: string,
  caPem: string,
  nowMs: number,
): { user: DashboardUser; notAfterMs: number } {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch {
    throw new ApiError(401, 'Unauthorized', 'client certificate: not a PEM certificate');
  }
  if (!cert.verify(ca.publicKey) || cert.issuer !== ca.subject)
    throw new ApiError(401, 'Unauthorized', 'client certificate: not signed by the cluster CA');
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (!(nowMs >= notBefore && nowMs < notAfter))
    throw new ApiError(401, 'Unauthorized', 'client certificate: expired or not yet valid');
  // keyUsage lists the extended key usages; a certificate without the extension may be used for anything.
  const usages = cert.keyUsage;
  if (usages && usages.length > 0 && !usages.includes('1.3.6.1.5.5.7.3.2'))
    throw new ApiError(401, 'Unauthorized', 'client certificate: not for client authentication');
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    matches = false;
  }
  if (!matches) throw new ApiError(401, 'Unauthorized', 'client certificate: the key is not the certificate’s');
  const subject = subjectOf(cert.subject);
  const name = subject.CN?.[0];
  if (!name) throw new ApiError(401, 'Unauthorized', 'client certificate: no common name');
  const groups = subject.O ?? [];
  return {
    user: { name, groups: groups.includes('system:authenticated') ? [...groups] : [...groups, 'system:authenticated'] },
    notAfterMs: notAfter,
  };
}

/** Node's subject text (`CN=admin\nO=system:masters`) as attribute → values. */
function subjectOf(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const attr = line.slice(0, eq);
    const values = out[attr] ?? [];
    values.push(line.slice(eq + 1));
    out[attr] = values;
  }
  return out;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function badLogin(causes: FieldError[]): ApiError {
  return new ApiError(400, 'BadRequest', causes.map((c) => `${c.field}: ${c.message}`).join(', '), {
    kind: 'LoginRequest',
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
  });
}
