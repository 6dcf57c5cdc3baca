/**
 * Signing and checking the JWTs of ServiceAccount tokens.
 *
 * Signing goes through `jose` (asynchronous, as every issuing path is). Checking is synchronous
 * with node:crypto: the API server authenticates every request synchronously, and jose's verify
 * is asynchronous only. The hand-written check is deliberately narrow — one algorithm (RS256, no
 * `none`, no HMAC), one key, compact serialization only — and its output is tested against jose's
 * own jwtVerify with the published JWKS. Several keys (rotation, keys shared between servers) are
 * tried in turn by verifyJwtWithAny.
 */
import { verify as cryptoVerify } from 'node:crypto';
import type { SigningKey, VerificationKey } from './signing-key.js';

/** Signs `claims` as a compact RS256 JWT with header `{alg: RS256, kid}`. */
export async function signJwt(key: SigningKey, claims: object): Promise<string> {
  const { SignJWT } = await import('jose');
  return new SignJWT({ ...claims } as Record<string, unknown>)
    .setProtectedHeader({ alg: 'RS256', kid: key.keyId })
    .sign(key.privateKey);
}

export type DecodedJwt =
  | { ok: true; payload: Record<string, unknown> }
  /** `notJwt`: not a JWT at all (another kind of bearer token); `invalid`: a JWT that does not verify. */
  | { ok: false; notJwt: boolean; message: string };

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The payload of a compact JWT without checking its signature (the issuer decides which
 * authenticator looks at it, as Kubernetes' hasCorrectIssuer does). Undefined when `token` is not
 * a JWT with an object payload.
 */
export function unverifiedPayload(token: string): Record<string, unknown> | undefined {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const part = token.slice(first + 1, second);
  if (!B64URL.test(part)) return undefined;
  return parseObject(Buffer.from(part, 'base64url').toString('utf8'));
}

/**
 * Checks the signature of a compact JWT against `key` (RS256 only; a `kid`, when present, must be
 * this key's) and returns its payload. Claims (exp, aud, ...) are the caller's to check.
 */
export function verifyJwt(key: VerificationKey, token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p)))
    return { ok: false, notJwt: true, message: 'not a compact JWT' };
  const [h, p, s] = parts;
  const header = parseObject(Buffer.from(h, 'base64url').toString('utf8'));
  const payload = parseObject(Buffer.from(p, 'base64url').toString('utf8'));
  if (!header || !payload) return { ok: false, notJwt: true, message: 'not a compact JWT' };
  if (header.alg !== 'RS256')
    return { ok: false, notJwt: false, message: `unexpected signature algorithm "${header.alg}"` };
  if (header.crit !== undefined) return { ok: false, notJwt: false, message: 'unsupported critical header' };
  if (header.kid !== undefined && header.kid !== key.keyId)
    return { ok: false, notJwt: false, message: 'error in cryptographic primitive' };
  const signed = Buffer.from(`${h}.${p}`, 'ascii');
  if (!cryptoVerify('RSA-SHA256', signed, key.publicKey, Buffer.from(s, 'base64url')))
    return { ok: false, notJwt: false, message: 'error in cryptographic primitive' };
  return { ok: true, payload };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * verifyJwt against each of `keys` (Kubernetes' --service-account-key-file list): the payload of
 * the first that verifies; otherwise the first key's error. No keys: the token is not for us.
 */
export function verifyJwtWithAny(keys: readonly VerificationKey[], token: string): DecodedJwt {
  let first: DecodedJwt | undefined;
  for (const key of keys) {
    const r = verifyJwt(key, token);
    if (r.ok || r.notJwt) return r;
    first ??= r;
  }
  return first ?? { ok: false, notJwt: true, message: 'no keys to check ServiceAccount tokens with' };
}
