import { invalidOption } from '../../config/options-error.js';
import type { Feature, FeatureSetup } from '../../feature.js';
import { upstreamList } from '../../options.js';
import type { Upstream } from '../../types.js';
import { resilienceConfigured } from '../resilience/resilience-configured.js';
import { selectUpstream } from '../select-upstream.js';
import { fallbackChain } from './fallback-chain.js';
import { fallbackSchema } from './fallback-options.js';

/**
 * The route stage: the first upstream serves, or, when any resilience stage is configured, the
 * fallback chain walks upstreams (and hedges, and ends in the degraded answer) as
 * docs/resilience.md describes. Without `fallback` the chain is the first upstream alone.
 */
export const routingFeature: Feature = {
  name: 'routing',
  stages: ['route'],
  options: { fallback: fallbackSchema },
  setup(setup) {
    if (!resilienceConfigured(setup.options)) return { policies: { route: selectUpstream(setup.upstreams) } };
    return { policies: { route: fallbackChain(fallbackPlan(setup), setup.events) } };
  },
};

function fallbackPlan({ options, upstreams }: FeatureSetup) {
  const byName = new Map<string, Upstream>();
  for (const upstream of upstreams) if (!byName.has(upstream.name)) byName.set(upstream.name, upstream);
  const named = (names: readonly string[], field: string) =>
    names.map((name) => {
      const upstream = byName.get(name);
      if (upstream === undefined) throw invalidOption(field, `no upstream is named "${name}"`);
      return upstream;
    });
  const chainOf = (entries: Record<string, string[]>, field: string) =>
    new Map(Object.entries(entries).map(([key, names]) => [key, named(names, `${field}.${key}`)] as const));
  const fallback = options.fallback;
  return {
    chain:
      fallback?.chain !== undefined
        ? named(fallback.chain, 'fallback.chain')
        : fallback !== undefined
          ? upstreams
          : upstreams.slice(0, 1),
    models: chainOf(fallback?.models ?? {}, 'fallback.models'),
    routes: chainOf(fallback?.routes ?? {}, 'fallback.routes'),
    modelMaps: new Map(upstreamList(options).map((upstream) => [upstream.name, upstream.models])),
    hedgeAfterMs: fallback?.hedgeAfterMs,
    degraded: fallback?.degraded,
  };
}
