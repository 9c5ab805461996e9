/** `@ferry/core/signing`: the request-signing scheme, for callers and verifiers of their own. */
export {
  bodySha256,
  type CanonicalRequestParts,
  canonicalQuery,
  canonicalString,
  signatureHeaderNames,
} from '../signing/canonical-request.js';
export { type SignatureHeaders, type SignRequestInput, signRequest } from '../signing/sign-request.js';
export {
  type SignatureVerdict,
  type SignedRequest,
  type VerifySignatureOptions,
  verifySignature,
} from '../signing/verify-signature.js';
