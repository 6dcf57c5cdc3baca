/** ServiceAccount token keys and JWTs: shared by the API server (issuing, checking) and the tokens controller. */
export { generateSigningKeyPem, signingKeyFromPem, type SigningKey, type PublicJwk } from './signing-key.js';
export { signJwt, verifyJwt, unverifiedPayload, type DecodedJwt } from './jwt.js';
