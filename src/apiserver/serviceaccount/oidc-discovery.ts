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
 * The discovery document. `externalHost` (host[:port]) is where this server was reached: the key
 * set's URL points there, as Kubernetes points it at its external address when
 * `--service-account-jwks-uri` is not set.
 */
export function openIdConfiguration(config: ServiceAccountTokenConfig, externalHost: string): string {
  return JSON.stringify({
    issuer: config.issuer,
    jwks_uri: `https://${externalHost}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
}

/** The key set: the one public key tokens are signed with (generated first when it is an ephemeral one). */
export async function jwksDocument(config: ServiceAccountTokenConfig): Promise<string> {
  const key = await config.loadKey();
  return JSON.stringify({ keys: [key.jwk] });
}

/**
 * The two documents as non-resource routes (with and without a trailing slash, as the
 * system:service-account-issuer-discovery role lists them); authorized like every other path.
 */
export function oidcDiscoveryRoutes(config: ServiceAccountTokenConfig): ExtraRoute[] {
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
