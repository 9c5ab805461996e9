import type { GatewayContext } from '../../types.js';
import type { LimitsOptions } from './limits-options.js';

/**
 * Builds the function that names the bucket a request counts in. `client` uses the key id set
 * by authentication (the IP when the gateway runs open); `tenant` the authenticated tenant or
 * the tenant header; `ip` the socket's address (not `X-Forwarded-For`, which any client can
 * write; put a trusted proxy's address logic in a key function instead).
 *
 * @example
 * const keyOf = createLimitKey({ key: 'tenant', tenantHeader: 'x-ferry-tenant' });
 * keyOf(context); // 'tenant:acme'
 */
export function createLimitKey(
  options: Pick<LimitsOptions, 'key' | 'tenantHeader'>,
): (context: GatewayContext) => string {
  const { key, tenantHeader } = options;
  const ip = (context: GatewayContext) => `ip:${context.request.remoteAddress ?? 'unknown'}`;
  const client = (context: GatewayContext) =>
    context.client === undefined ? ip(context) : `key:${context.client.keyId}`;
  if (typeof key === 'function') return key;
  if (key === 'ip') return ip;
  if (key === 'client') return client;
  return (context) => {
    const tenant = context.client?.tenant ?? context.request.headers[tenantHeader];
    return typeof tenant === 'string' && tenant.length > 0
      ? `tenant:${tenant.slice(0, 128)}`
      : client(context);
  };
}
