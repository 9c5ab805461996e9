import type { ResolvedOptions } from '../../options.js';
import { upstreamList } from '../../options.js';

/**
 * True when any resilience stage is configured: then the route stage walks the fallback chain
 * (which names the serving upstream and marks final failures), even when the chain is the first
 * upstream alone. Otherwise the plain first-upstream route is the whole route stage.
 */
export function resilienceConfigured(options: ResolvedOptions): boolean {
  return (
    options.retry !== undefined ||
    options.breaker !== undefined ||
    options.fallback !== undefined ||
    upstreamList(options).some(
      (upstream) => upstream.keys !== undefined || upstream.deployments !== undefined,
    )
  );
}
