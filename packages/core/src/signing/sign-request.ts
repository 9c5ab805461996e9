import { createHmac, randomBytes } from 'node:crypto';
import { bodySha256, canonicalString, signatureHeaderNames } from './canonical-request.js';

/** What a caller needs to sign one request. */
export interface SignRequestInput {
  /** The key id the gateway knows the secret by (sent in `x-ferry-key-id`). */
  keyId: string;
  /** The shared secret for that key id. */
  secret: string | Uint8Array;
  method: string;
  /**
   * The URL the request goes to: absolute (`http://host/v1/chat/completions?x=1`) or a path with
   * its query. It is parsed as `fetch` parses it, so the signed path is the one that is sent.
   */
  url: string;
  /** The exact body bytes that will be sent (a string is sent as UTF-8). */
  body?: string | Uint8Array | undefined;
  /** Unix time in seconds; defaults to now. */
  timestamp?: number;
  /** 16–128 characters of `A-Z a-z 0-9 _ -`; defaults to 16 random bytes in base64url. */
  nonce?: string;
}

/** The four headers to add to the request. */
export type SignatureHeaders = Record<
  (typeof signatureHeaderNames)[keyof typeof signatureHeaderNames],
  string
>;

/**
 * Signs a request for a Ferry gateway with HMAC-SHA256 (the scheme is in docs/security.md).
 * Sign the exact bytes you send: serialise the JSON body once and send that string.
 *
 * @example
 * const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 * const url = 'http://127.0.0.1:8787/v1/chat/completions';
 * const headers = signRequest({ keyId: 'coze-plugin', secret: process.env.FERRY_SIGNING_SECRET!, method: 'POST', url, body });
 * await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
 */
export function signRequest(input: SignRequestInput): SignatureHeaders {
  const target = new URL(input.url, 'http://signing.invalid');
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? randomBytes(16).toString('base64url');
  const signed = canonicalString({
    method: input.method,
    path: target.pathname,
    query: target.search.slice(1),
    timestamp,
    nonce,
    bodySha256: bodySha256(input.body),
  });
  return {
    [signatureHeaderNames.keyId]: input.keyId,
    [signatureHeaderNames.timestamp]: timestamp,
    [signatureHeaderNames.nonce]: nonce,
    [signatureHeaderNames.signature]: createHmac('sha256', input.secret).update(signed).digest('hex'),
  } as SignatureHeaders;
}
