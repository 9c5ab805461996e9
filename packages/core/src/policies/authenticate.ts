import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.js';
import type { Policy } from '../types.js';

const digest = (key: string) => createHash('sha256').update(key).digest('base64url');

/** The client's key from `Authorization: Bearer <key>` or `x-api-key`, or undefined. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

/**
 * Accepts requests carrying one of the configured client keys. Keys are kept only as SHA-256
 * digests and looked up by digest, so the comparison takes the same time whatever the key,
 * and the log sees a key id derived from the digest, never the key.
 *
 * @example
 * const policy = authenticate(['sk-team-a', 'sk-team-b']);
 */
export function authenticate(clientKeys: readonly string[]): Policy {
  const keyIds = new Map<string, string>();
  for (const key of clientKeys) {
    const hashed = digest(key);
    keyIds.set(hashed, `key_${hashed.slice(0, 8)}`);
  }
  return (next) => (context) => {
    const key = presentedKey(context.request.headers);
    if (key === undefined) {
      throw new GatewayError(
        'missing_api_key',
        401,
        'No API key provided. Send it as "Authorization: Bearer <key>" or "x-api-key".',
      );
    }
    const keyId = keyIds.get(digest(key));
    if (keyId === undefined) throw new GatewayError('invalid_api_key', 401, 'Incorrect API key provided.');
    context.client = { keyId };
    context.log.client = keyId;
    return next(context);
  };
}
