import type { Logger } from 'pino';
import type { ResolvedOptions } from './options.js';
import { authenticate } from './policies/authenticate.js';
import { parseBody } from './policies/parse-body.js';
import { requestStreamUsage } from './policies/request-stream-usage.js';
import { selectUpstream } from './policies/select-upstream.js';
import type { GatewayStores } from './stores/create-store.js';
import type { Policy } from './types.js';
import type { Upstream } from './upstream/upstream.js';

/** What a policy factory may need from the gateway being built. */
export interface PipelineSetup {
  options: ResolvedOptions;
  logger: Logger;
  upstreams: readonly Upstream[];
  stores: GatewayStores;
  /** Registers cleanup for a resource a policy holds (timers, connections); run by `close()`. */
  onClose(close: () => Promise<void> | void): void;
}

/**
 * The policies in pipeline order, first = outermost (see docs/architecture.md):
 * authenticate → admit → parse/validate → filter request → fit context → reserve
 * → usage accounting → route (upstream choice, fallback) → retry → breaker → forward.
 * Each feature adds its policy at its stage, only when its options turn it on.
 */
export function buildPolicies(setup: PipelineSetup): Policy[] {
  const { options, upstreams } = setup;
  const policies: Policy[] = [];

  // Authenticate: who is calling.
  if (options.clientKeys.length > 0) policies.push(authenticate(options.clientKeys));

  // Parse and validate the JSON body once.
  policies.push(parseBody());

  // Usage accounting on streams.
  if (options.requestStreamUsage) policies.push(requestStreamUsage());

  // Route: choose the upstream.
  policies.push(selectUpstream(upstreams));

  return policies;
}
