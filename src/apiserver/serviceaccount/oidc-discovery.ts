/**
 * The ServiceAccount issuer's OpenID Connect discovery documents, as kube-apiserver serves them
 * (pkg/serviceaccount/openidmetadata.go): `/.well-known/openid-configuration` and the key set at
 * `/openid/v1/jwks`, so that relying parties outside the cluster can check the tokens.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoute } from '../non-resource.js';
import { sendJson } from '../send.js';
import type { ServiceAccountTokenConfig } from './token-config.js';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

/** Headers Kubernetes sends with both documents (clients may cache them for an hour). */
export const CACHE_CONTROL = 'public, max-age=3600';
export const JWKS_MEDIA_TYPE = 'application/jwk-set+json';

/**
 * The discovery document of the issuer (the first `--service-account-issuer`). The key set's URL
 * is `--service-account-jwks-uri` when set, else on `externalHost` (host[:port], where this server
 * was reached), as Kubernetes points it at its external address.
 */
export function openIdConfiguration(config: ServiceAccountTokenConfig, externalHost: string): string {
  return JSON.stringify({
    issuer: config.issuer,
    jwks_uri: config.jwksUri ?? `https://${externalHost}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
}

/**
 * The key set: every public key tokens are checked with, the signing key first (generated first
 * when it is an ephemeral one), as Kubernetes publishes all of its --service-account-key-file keys.
 */
export async function jwksDocument(config: ServiceAccountTokenConfig): Promise<string> {
  await config.loadKey();
  return JSON.stringify({ keys: config.verificationKeys().map((k) => k.jwk) });
}

/**
 * Whether the issuer can have discovery documents: an https URL without query or fragment, as
 * Kubernetes requires of an OIDC issuer (otherwise it serves none).
 */
export function issuerHasDiscovery(issuer: string): boolean {
  try {
    const u = new URL(issuer);
    return u.protocol === 'https:' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}

/**
 * The two documents as non-resource routes (with and without a trailing slash, as the
 * system:service-account-issuer-discovery role lists them); authorized like every other path.
 * None when the issuer is not an https URL.
 */
export function oidcDiscoveryRoutes(config: ServiceAccountTokenConfig): ExtraRoute[] {
  if (!issuerHasDiscovery(config.issuer)) return [];
  const headers = { 'Cache-Control': CACHE_CONTROL };
  const configuration = async (req: IncomingMessage, res: ServerResponse) =>
    sendJson(
      res,
      200,
      openIdConfiguration(config, req.headers.host ?? 'kubernetes.default.svc'),
      'application/json',
      headers,
    );
  const keys = async (_req: IncomingMessage, res: ServerResponse) =>
    sendJson(res, 200, await jwksDocument(config), JWKS_MEDIA_TYPE, headers);
  return [
    { method: 'GET', path: OPENID_CONFIGURATION_PATH, serve: configuration },
    { method: 'GET', path: `${OPENID_CONFIGURATION_PATH}/`, serve: configuration },
    { method: 'GET', path: JWKS_PATH, serve: keys },
    { method: 'GET', path: `${JWKS_PATH}/`, serve: keys },
  ];
}
