import { GatewayOptionsError, type ResolvedUpstreamOptions, upstreamList } from '../../options.js';
import type { PipelineSetup } from '../../pipeline.js';
import type { Policy } from '../../types.js';
import type { Upstream } from '../../upstream/upstream.js';
import { breaker } from '../breaker/breaker.js';
import { fallbackChain } from '../fallback/fallback-chain.js';
import { deploymentMembers } from '../keys/deployments.js';
import { KeyPool, keyMembers } from '../keys/key-pool.js';
import { spreadKeys } from '../keys/spread-keys.js';
import { retry } from '../retry/retry.js';
import { RetryBudget } from '../retry/retry-budget.js';

/**
 * The route → retry → breaker stages (see docs/resilience.md), or undefined when none of
 * `retry`, `breaker`, `fallback` or upstream `keys`/`deployments` is configured (the plain first-upstream
 * route is used then). Order matters: the fallback chain runs a whole retry stage per
 * upstream, and each attempt passes the breaker, then takes a key.
 *
 * @example
 * const policies = resiliencePolicies(setup) ?? [selectUpstream(setup.upstreams)];
 */
export function resiliencePolicies(setup: PipelineSetup): Policy[] | undefined {
  const { options, upstreams } = setup;
  const upstreamOptions = upstreamList(options);
  const pools = new Map<string, KeyPool>();
  upstreamOptions.forEach((upstream, index) => {
    const runtime = upstreams[index];
    if (runtime === undefined) return;
    if (upstream.keys !== undefined && upstream.deployments !== undefined)
      throw new GatewayOptionsError(
        `Invalid Ferry options — upstream "${upstream.name}": set \`keys\` or \`deployments\`, not both`,
      );
    if (upstream.keys !== undefined)
      pools.set(upstream.name, new KeyPool(keyMembers(runtime, upstream.keys)));
    if (upstream.deployments !== undefined) {
      const { members, pools: created } = deploymentMembers(upstream, runtime, options);
      const names = new Set(members.map((member) => member.name));
      if (names.size !== members.length)
        throw new GatewayOptionsError(
          `Invalid Ferry options — upstream "${upstream.name}": deployment names must be unique`,
        );
      setup.onClose(() => Promise.all(created.map((pool) => pool.close())).then(() => undefined));
      pools.set(upstream.name, new KeyPool(members, { routesAroundConnectFailures: true }));
    }
  });
  if (
    options.retry === undefined &&
    options.breaker === undefined &&
    options.fallback === undefined &&
    pools.size === 0
  ) {
    return undefined;
  }

  const byName = new Map<string, Upstream>();
  for (const upstream of upstreams) if (!byName.has(upstream.name)) byName.set(upstream.name, upstream);
  const named = (names: readonly string[], field: string) =>
    names.map((name) => {
      const upstream = byName.get(name);
      if (upstream === undefined)
        throw new GatewayOptionsError(`Invalid Ferry options — ${field}: no upstream is named "${name}"`);
      return upstream;
    });
  const fallback = options.fallback;
  const chainOf = (entries: Record<string, string[]>, field: string) =>
    new Map(Object.entries(entries).map(([key, names]) => [key, named(names, `${field}.${key}`)] as const));
  const policies: Policy[] = [
    fallbackChain({
      // Without `fallback` the chain is the first upstream alone: fallback is opted into.
      chain:
        fallback?.chain !== undefined
          ? named(fallback.chain, 'fallback.chain')
          : fallback !== undefined
            ? upstreams
            : upstreams.slice(0, 1),
      models: chainOf(fallback?.models ?? {}, 'fallback.models'),
      routes: chainOf(fallback?.routes ?? {}, 'fallback.routes'),
      modelMaps: new Map(
        upstreamOptions.map((upstream: ResolvedUpstreamOptions) => [upstream.name, upstream.models]),
      ),
      hedgeAfterMs: fallback?.hedgeAfterMs,
      degraded: fallback?.degraded,
    }),
  ];
  if (options.retry !== undefined) {
    const budget = new RetryBudget(options.retry.budgetPercent, options.retry.budgetMinimum);
    policies.push(retry(options.retry, budget, setup.metrics?.retried));
  }
  if (options.breaker !== undefined) {
    const stage = breaker(options.breaker, setup.logger);
    setup.onClose(() => stage.registry.close());
    setup.metrics?.watchBreakers(stage.registry);
    policies.push(stage.policy);
  }
  if (pools.size > 0) policies.push(spreadKeys(pools));
  return policies;
}
