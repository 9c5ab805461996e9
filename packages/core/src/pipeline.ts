import type { Logger } from 'pino';
import { createClientDirectory } from './clients/client-directory.js';
import type { MetricsRecorder } from './metrics/gateway-metrics.js';
import { type ResolvedOptions, upstreamList } from './options.js';
import { allowedModels } from './policies/allowed-models.js';
import { authenticate } from './policies/authenticate.js';
import { filterContent } from './policies/filter-content.js';
import {
  admitStage,
  fitAndReserveStage,
  pacingStage,
  validateStage,
} from './policies/governance-policies.js';
import { parseBody } from './policies/parse-body.js';
import { redactUpstreamKeys } from './policies/redact-upstream-keys.js';
import { requestStreamUsage } from './policies/request-stream-usage.js';
import { requireSignature } from './policies/require-signature.js';
import { resiliencePolicies } from './policies/resilience/resilience-policies.js';
import { selectUpstream } from './policies/select-upstream.js';
import type { GatewayStores } from './stores/create-store.js';
import type { GatewayRequest, GatewayResponse, Policy } from './types.js';
import type { Upstream } from './upstream/upstream.js';

/** What a policy factory may need from the gateway being built. */
export interface PipelineSetup {
  options: ResolvedOptions;
  logger: Logger;
  upstreams: readonly Upstream[];
  stores: GatewayStores;
  /** Registers cleanup for a resource a policy holds (timers, connections); run by `close()`. */
  onClose(close: () => Promise<void> | void): void;
  /** Serves a Ferry endpoint at `{basePath}{path}` outside the pipeline (e.g. `/ferry/usage`). */
  addInternalRoute(method: 'GET' | 'POST', path: string, handler: InternalRouteHandler): void;
  /** The gateway's metrics, when `metrics` is configured: for the few counts only a policy sees. */
  metrics?: MetricsRecorder | undefined;
}

/** Answers one of Ferry's own endpoints; a thrown GatewayError becomes its error response. */
export type InternalRouteHandler = (request: GatewayRequest) => Promise<GatewayResponse>;

/**
 * The policies in pipeline order, first = outermost (see docs/architecture.md):
 * authenticate → admit → parse/validate → filter request → fit context → reserve
 * → usage accounting → route (upstream choice, fallback) → retry → breaker → forward.
 * Each feature adds its policy at its stage, only when its options turn it on.
 */
export function buildPolicies(setup: PipelineSetup): Policy[] {
  const { options, upstreams } = setup;
  const policies: Policy[] = [];

  // Authenticate: who is calling (a signature, or a client key).
  const clientDirectory = createClientDirectory(options.clientKeys, options.clients);
  if (options.signing !== undefined) {
    policies.push(requireSignature(options.signing, setup.stores.store, clientDirectory, setup.logger));
  }
  if (clientDirectory.keyCount > 0) policies.push(authenticate(clientDirectory));
  const upstreamKeys = upstreamList(options).flatMap((upstream) => [
    ...(upstream.apiKey ? [upstream.apiKey] : []),
    ...(upstream.keys?.map((key) => key.apiKey) ?? []),
    ...(upstream.deployments?.flatMap((deployment) => deployment.apiKey ?? []) ?? []),
  ]);
  if (upstreamKeys.length > 0) policies.push(redactUpstreamKeys(upstreamKeys));

  // Admit: requests per window, concurrent requests.
  policies.push(...admitStage(setup));

  // Parse and validate the JSON body once.
  policies.push(parseBody());
  policies.push(...validateStage(setup));
  if (options.clients.some((client) => client.allowedModels !== undefined)) policies.push(allowedModels());

  // Filter request (and, through a response transform, the answer).
  if (options.contentFilter !== undefined) policies.push(filterContent(options.contentFilter));

  // Budgets → fit context → reserve tokens.
  policies.push(...fitAndReserveStage(setup));

  // Usage accounting on streams.
  if (options.requestStreamUsage) policies.push(requestStreamUsage());

  // Route (upstream choice, fallback chain) → retry → breaker: policies/resilience.
  policies.push(...(resiliencePolicies(setup) ?? [selectUpstream(upstreams)]));

  // Upstream pacing, innermost: each attempt waits for its upstream's slot.
  policies.push(...pacingStage(setup));

  return policies;
}
