import type { IncomingHttpHeaders } from 'node:http';
import { type ClientDirectory, createClientDirectory } from '../clients/client-directory.js';
import { GatewayError } from '../errors.js';
import type { Policy } from '../types.js';

const bearer = /^Bearer\s+(\S+)\s*$/i;
const bearerScheme = /^\s*Bearer(?:\s|$)/i;

/**
 * The client's key, or undefined when none is presented. The one place that decides which
 * header counts: a Bearer `Authorization` wins; an `Authorization` of another scheme (`Basic`
 * added by a corporate proxy) is ignored and `x-api-key` is read; a malformed Bearer is a 401,
 * not a fall-back to `x-api-key`, because the client clearly meant it as its key.
 *
 * @example
 * presentedKey({ authorization: 'Basic dTpw', 'x-api-key': 'sk-a' }); // 'sk-a'
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined && bearerScheme.test(authorization)) {
    const match = bearer.exec(authorization);
    if (match === null) {
      throw new GatewayError(
        'invalid_api_key',
        'Malformed Authorization header. Send it as "Authorization: Bearer <key>".',
      );
    }
    return match[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

/**
 * Accepts requests carrying one of the configured client keys. Keys are kept only as SHA-256
 * digests and looked up by digest, so the comparison takes the same time whatever the key,
 * and the log sees a key id derived from the digest (or the client's id), never the key.
 * A request a signature already authenticated passes through.
 *
 * @example
 * const policy = authenticate(['sk-team-a', 'sk-team-b']);
 * const policy2 = authenticate(createClientDirectory([], [{ id: 'coze', keys: ['sha256:…'], limits: {} }]));
 */
export function authenticate(keys: readonly string[] | ClientDirectory): Policy {
  const directory = isDirectory(keys) ? keys : createClientDirectory(keys, []);
  return (next) => (context) => {
    if (context.client !== undefined) return next(context);
    const key = presentedKey(context.request.headers);
    if (key === undefined) {
      throw new GatewayError(
        'missing_api_key',
        'No API key provided. Send it as "Authorization: Bearer <key>" or "x-api-key".',
      );
    }
    const identity = directory.identify(key);
    if (identity === undefined) throw new GatewayError('invalid_api_key', 'Incorrect API key provided.');
    context.client = identity;
    context.record.client = identity.clientId ?? identity.keyId;
    if (identity.clientId !== undefined) context.record.keyId = identity.keyId;
    return next(context);
  };
}

const isDirectory = (value: readonly string[] | ClientDirectory): value is ClientDirectory =>
  !Array.isArray(value);
