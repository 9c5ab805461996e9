import type { Pool } from 'undici';
import type { ResolvedOptions, ResolvedUpstreamOptions } from '../../options.js';
import { createUpstream, type Upstream } from '../../upstream/upstream.js';
import type { PoolMemberSpec } from './key-pool.js';

/**
 * Members for `deployments`: the same upstream at several origins (Azure OpenAI resources in
 * several regions, relays abroad). Each origin gets one undici pool, shared by the
 * deployments on it and with the upstream itself when it is the upstream's own origin; each
 * pool keeps the upstream's egress (address map, DoH, proxy, private-address guard, CA).
 * Returns the members and the pools this created, which the caller closes.
 *
 * @example
 * const { members, pools } = deploymentMembers(upstreamOptions, upstream, options);
 */
export function deploymentMembers(
  options: ResolvedUpstreamOptions,
  upstream: Upstream,
  defaults: ResolvedOptions,
): { members: PoolMemberSpec[]; pools: Pool[] } {
  const byOrigin = new Map<string, Pool>([[upstream.origin, upstream.pool]]);
  const created: Pool[] = [];
  const members = (options.deployments ?? []).map((deployment, index) => {
    const url = new URL(deployment.url);
    const apiKey = deployment.apiKey ?? options.apiKey;
    let pool = byOrigin.get(url.origin);
    if (pool === undefined) {
      pool = createUpstream({ ...options, url: deployment.url }, defaults).pool;
      byOrigin.set(url.origin, pool);
      created.push(pool);
    }
    const name = deployment.name ?? `d${index}`;
    return {
      name,
      servedAs: `${options.name}/${name}`,
      weight: deployment.weight,
      upstream: {
        ...upstream,
        origin: url.origin,
        basePath: url.pathname.replace(/\/+$/, ''),
        authorization: apiKey === undefined ? undefined : `Bearer ${apiKey}`,
        pool,
      },
    };
  });
  return { members, pools: created };
}
