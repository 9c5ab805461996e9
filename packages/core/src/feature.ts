import type { Logger } from 'pino';
import type { ClientDirectory } from './clients/client-directory.js';
import type { GatewayEvents } from './events/gateway-events.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { ResolvedOptions } from './options.js';
import type { Stage } from './stages.js';
import type { GatewayStores } from './stores/create-store.js';
import type { GatewayRequest, GatewayResponse, Policy, Upstream } from './types.js';

export { type Stage, stages } from './stages.js';

/** Answers one of Ferry's own endpoints; a thrown GatewayError becomes its error response. */
export type InternalRouteHandler = (request: GatewayRequest) => Promise<GatewayResponse>;

/** One of Ferry's own endpoints below the API base (`GET /v1/ferry/usage`), outside the pipeline. */
export interface InternalRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** Below the API base: `/ferry/usage`; a `*` segment matches any one segment (an id). */
  path: string;
  handler: InternalRouteHandler;
}

/** What a feature may use while the gateway is built. */
export interface FeatureSetup {
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  /** The configured upstreams at run time, in configuration order. */
  readonly upstreams: readonly Upstream[];
  readonly stores: GatewayStores;
  readonly events: GatewayEvents;
  /** The one directory of client keys and configured clients. */
  readonly clients: ClientDirectory;
  /** Registers cleanup for what the feature holds (timers, pools, connections); run by `close()`. */
  onClose(close: () => Promise<void> | void): void;
}

/** What a feature adds to the gateway. Every part is optional. */
export interface FeatureContribution {
  /** A policy per stage this feature acts at; several features at one stage run in list order. */
  policies?: Partial<Record<Stage, Policy>>;
  routes?: readonly InternalRoute[];
  /** What the feature makes available on the `Gateway` object (the metrics registry). */
  provides?: Partial<GatewayExtensions>;
}

/** The parts of a `Gateway` that features provide. */
export interface GatewayExtensions {
  /** Prometheus metrics, when `metrics` is configured (for a host app's own `/metrics`). */
  metrics: GatewayMetrics;
}

/**
 * A gateway feature: one folder that declares its option fields (the schemas that
 * `options.ts` nests at the top level), the stages it acts at, and what it contributes.
 * `setup` returns undefined when its options leave it off, so a gateway pays nothing for it.
 *
 * @example
 * export const streamUsageFeature: Feature = {
 *   name: 'stream-usage',
 *   stages: ['account'],
 *   options: { requestStreamUsage: requestStreamUsageOption },
 *   setup: ({ options }) => (options.requestStreamUsage ? { policies: { account: requestStreamUsage() } } : undefined),
 * };
 */
export interface Feature {
  readonly name: string;
  /** The stages `setup` may contribute policies at (checked when the gateway is built). */
  readonly stages: readonly Stage[];
  /** The top-level option fields this feature owns, as nested by `options.ts`. */
  readonly options: Readonly<Record<string, unknown>>;
  setup(setup: FeatureSetup): FeatureContribution | undefined;
}

/**
 * An embedder's own policy, placed at a named stage: it runs just outside the built-in
 * policies of that stage (`createGateway({ policies: [{ stage: 'route', policy }] })`).
 */
export interface StagedPolicy {
  stage: Stage;
  policy: Policy;
}
