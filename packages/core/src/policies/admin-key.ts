import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { GatewayRequest } from '../types.js';
import { presentedKey } from './authenticate.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The check of Ferry's admin endpoints (`/ferry/usage`, `/ferry/metrics`): the request must
 * present the admin key (Bearer or `x-api-key`), else 401 `invalid_admin_key`. Digests are
 * compared so the comparison takes the same time whatever the presented key's length.
 *
 * @example
 * const requireAdmin = adminKeyCheck(options.usageEndpoint.adminKey);
 * requireAdmin(request); // throws a 401 GatewayError without the key
 */
export function adminKeyCheck(adminKey: string): (request: GatewayRequest) => void {
  const expected = digest(adminKey);
  return (request) => {
    const presented = presentedKey(request.headers);
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      throw new GatewayError('invalid_admin_key', 'This endpoint needs the admin key.');
    }
  };
}
