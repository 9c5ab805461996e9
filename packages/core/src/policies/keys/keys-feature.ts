import { invalidOption } from '../../config/options-error.js';
import type { Feature } from '../../feature.js';
import { upstreamList } from '../../options.js';
import { deploymentMembers } from './deployments.js';
import { KeyPool, keyMembers } from './key-pool.js';
import { spreadKeys } from './spread-keys.js';

/**
 * Key pools and deployments per upstream (`upstreams[].keys`, `upstreams[].deployments`): each
 * attempt takes the least-loaded key or deployment; 429 cools one down (docs/resilience.md).
 */
export const keysFeature: Feature = {
  name: 'keys',
  stages: ['keys'],
  // The fields live on each upstream (upstream/upstream-options.ts).
  options: {},
  setup({ options, upstreams, onClose, events }) {
    const pools = new Map<string, KeyPool>();
    upstreamList(options).forEach((upstream, index) => {
      const runtime = upstreams[index];
      if (runtime === undefined) return;
      const field = `upstreams.${upstream.name}`;
      if (upstream.keys !== undefined && upstream.deployments !== undefined)
        throw invalidOption(field, 'set `keys` or `deployments`, not both');
      if (upstream.keys !== undefined)
        pools.set(upstream.name, new KeyPool(keyMembers(runtime, upstream.keys)));
      if (upstream.deployments !== undefined) {
        const { members, pools: created } = deploymentMembers(upstream, runtime, options);
        if (new Set(members.map((member) => member.name)).size !== members.length)
          throw invalidOption(field, 'deployment names must be unique');
        onClose(() => Promise.all(created.map((pool) => pool.close())).then(() => undefined));
        pools.set(upstream.name, new KeyPool(members, { routesAroundConnectFailures: true }));
      }
    });
    return pools.size === 0 ? undefined : { policies: { keys: spreadKeys(pools, events) } };
  },
};
