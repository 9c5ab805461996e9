import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { bodySha256, canonicalString, signatureHeaderNames } from './canonical-request.js';

/** The parts of a received request a signature is checked against. */
export interface SignedRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array | undefined;
}

export interface VerifySignatureOptions {
  /** The active secrets of a key id (several during a rotation), or undefined for an unknown id. */
  secretsFor(keyId: string): readonly (string | Uint8Array)[] | undefined;
  /** Largest accepted difference between the timestamp and now, either way. Default 300. */
  maxSkewSeconds?: number;
  /** Now, in Unix seconds (tests pin it). Default `Date.now() / 1000`. */
  nowSeconds?: number;
}

/** The outcome: the verified key id and nonce, or why it failed (safe to show the caller). */
export type SignatureVerdict =
  | { valid: true; keyId: string; nonce: string; timestamp: number }
  | { valid: false; reason: string };

const keyIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;
const timestampPattern = /^[0-9]{1,12}$/;
const noncePattern = /^[A-Za-z0-9_-]{16,128}$/;
// Checked before decoding: Buffer.from(text, 'hex') silently stops at the first bad character.
const signaturePattern = /^[0-9a-f]{64}$/;
const signatureBytes = 32;

const single = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

const invalid = (reason: string): SignatureVerdict => ({ valid: false, reason });

/**
 * Checks a request's HMAC-SHA256 signature: header formats first, then the timestamp window
 * (both directions), then the signature against every active secret of the key id, compared
 * in constant time. It does not remember nonces: the caller stores the returned nonce (SET NX)
 * so a replay inside the window fails.
 *
 * @example
 * const verdict = verifySignature(request, { secretsFor: (id) => secrets.get(id) });
 * if (!verdict.valid) throw new Error(verdict.reason);
 */
export function verifySignature(request: SignedRequest, options: VerifySignatureOptions): SignatureVerdict {
  const { headers } = request;
  const keyId = single(headers, signatureHeaderNames.keyId);
  const timestamp = single(headers, signatureHeaderNames.timestamp);
  const nonce = single(headers, signatureHeaderNames.nonce);
  const signature = single(headers, signatureHeaderNames.signature);
  if (signature === undefined || signature === '') return invalid('the request is not signed');
  if (keyId === undefined || !keyIdPattern.test(keyId)) return invalid('malformed or missing key id');
  if (timestamp === undefined || !timestampPattern.test(timestamp)) {
    return invalid('malformed or missing timestamp');
  }
  if (nonce === undefined || !noncePattern.test(nonce)) return invalid('malformed or missing nonce');
  if (!signaturePattern.test(signature)) return invalid('malformed signature (64 lower-case hex digits)');

  const now = options.nowSeconds ?? Date.now() / 1000;
  const seconds = Number(timestamp);
  if (Math.abs(now - seconds) > (options.maxSkewSeconds ?? 300)) {
    return invalid('timestamp outside the allowed window');
  }

  const secrets = options.secretsFor(keyId);
  if (secrets === undefined || secrets.length === 0) return invalid('unknown key id');

  let signed: string;
  try {
    signed = canonicalString({
      method: request.method,
      path: request.path,
      query: request.query,
      timestamp,
      nonce,
      bodySha256: bodySha256(request.body),
    });
  } catch {
    return invalid('malformed query string');
  }
  const presented = Buffer.from(signature, 'hex');
  if (presented.byteLength !== signatureBytes) return invalid('malformed signature');
  let matched = false;
  // Every secret is tried, so the time taken does not say which one matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(signed).digest();
    if (expected.byteLength === presented.byteLength && timingSafeEqual(expected, presented)) matched = true;
  }
  if (!matched) return invalid('signature mismatch');
  return { valid: true, keyId, nonce, timestamp: seconds };
}
