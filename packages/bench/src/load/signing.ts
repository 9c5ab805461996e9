import { signRequest } from '@ferry/core';
import type { RequestShape } from '../scenario/workloads.js';

/** A key a signing gateway accepts: every request then carries a fresh signature. */
export interface SigningKey {
  keyId: string;
  secret: string;
}

/**
 * The signature headers for one request: a new timestamp and nonce each time, as a real
 * caller sends, so the gateway's replay check sees every request as new.
 */
export function signatureHeaders(key: SigningKey, shape: RequestShape): Record<string, string> {
  return signRequest({
    keyId: key.keyId,
    secret: key.secret,
    method: shape.method,
    url: shape.path,
    body: shape.body,
  });
}
