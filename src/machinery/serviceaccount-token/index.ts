/** ServiceAccount token keys and JWTs: shared by the API server (issuing, checking) and the tokens controller. */
export {
  generateSigningKeyPem,
  signingKeyFromPem,
  verificationKeyFromPem,
  type SigningKey,
  type VerificationKey,
  type PublicJwk,
} from './signing-key.js';
export { signJwt, verifyJwt, verifyJwtWithAny, unverifiedPayload, type DecodedJwt } from './jwt.js';
