import type { Logger } from 'pino';
import { z } from 'zod';
import { alertsOptionsSchema } from './alerts/alerts-options.js';
import { cacheSchema } from './cache/cache-options.js';
import { clientSchema } from './clients/client-options.js';
import { coalesceSchema } from './coalesce/coalesce-options.js';
import { invalidOptions } from './config/options-error.js';
import { functionOf, milliseconds, positiveInteger } from './config/schema-helpers.js';
import { conversationsSchema } from './conversations/feature/conversations-options.js';
import { anthropicMessagesOption } from './conversions/anthropic-ingress/anthropic-ingress-options.js';
import { responseEnvelopesSchema } from './conversions/envelopes/envelope-options.js';
import { streamConversionSchema } from './conversions/stream-mode/stream-mode-options.js';
import { budgetsSchema, pricesSchema, usageEndpointSchema } from './cost/cost-options.js';
import { embeddingsBatchingSchema } from './embeddings-batching/batching-options.js';
import { contentFilterOptionsSchema } from './filter/filter-options.js';
import { metricsOptionsSchema } from './metrics/metrics-options.js';
import { breakerSchema } from './policies/breaker/breaker-options.js';
import { fallbackSchema } from './policies/fallback/fallback-options.js';
import { contextSchema } from './policies/fit-context/context-options.js';
import { inputLimitsSchema } from './policies/input-limits-options.js';
import { limitsSchema } from './policies/rate-limit/limits-options.js';
import { retrySchema } from './policies/retry/retry-options.js';
import { requestStreamUsageOption } from './policies/stream-usage/stream-usage-options.js';
import { pacingSchema } from './policies/upstream-pacing/pacing-options.js';
import { allowedPathPattern } from './routes.js';
import { signingOptionsSchema } from './signing/signing-options.js';
import { type Stage, stages } from './stages.js';
import { statusPageSchema } from './status/status-options.js';
import { openTelemetrySchema } from './telemetry/telemetry-options.js';
import type { GatewayContext, Policy, Usage } from './types.js';
import { type ResolvedUpstreamOptions, upstreamSchema } from './upstream/upstream-options.js';
import { websocketOptionsSchema } from './websocket/websocket-options.js';

export { GatewayOptionsError } from './config/options-error.js';
export type { ResolvedUpstreamOptions, UpstreamOptions } from './upstream/upstream-options.js';

/** An embedder's policy at a named stage (see `Stage`). */
const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL');

const stagedPolicySchema = z.strictObject({
  stage: z.enum(stages),
  policy: functionOf<Policy>('policy'),
});

/**
 * Every option `createGateway` takes. The core's own fields are here; each feature's fields
 * come from the options file in its folder (listed in docs/architecture.md, "Features").
 * Defaults are stated once, in these schemas; policy code never repeats them.
 */
const gatewayOptionFields = {
  /** One upstream (shorthand for `upstreams: [upstream]`). */
  upstream: upstreamSchema.optional(),
  /** Upstreams in order of preference; the first one serves unless a policy chooses another. */
  upstreams: z.array(upstreamSchema).optional(),
  /** Accepted client keys (Bearer or `x-api-key`). Empty: the gateway runs open and warns once. */
  clientKeys: z.array(z.string().min(1)).default([]),
  /** Client (virtual) keys with a tenant, allowed models and limits; keys may be `sha256:` digests. */
  clients: z.array(clientSchema).default([]),
  /** HMAC request signing with replay protection (docs/security.md). Off when left out. */
  signing: signingOptionsSchema.optional(),
  /** Sensitive-content filtering of requests and answers (docs/security.md). Off when left out. */
  contentFilter: contentFilterOptionsSchema.optional(),
  /** The API base Ferry owns inside its mount; everything else falls through to the app. */
  basePath: z
    .string()
    .regex(/^\/[^?#]*[^/]$/, 'must start with / and not end with /')
    .default('/v1'),
  /**
   * Extra `/v1/*` paths forwarded as-is (files, batches, ...): forwarded only when listed.
   * Exact paths, or a prefix ending in `/*` for one or more segments below it (`/v1/files/*`).
   */
  allowedPaths: z
    .array(
      z
        .string()
        .regex(
          allowedPathPattern,
          'must be an exact path or end in /* (no other wildcards, no . or .. or empty segments)',
        ),
    )
    .default([]),
  /** Largest request body accepted; checked against Content-Length before reading. */
  maxBodyBytes: positiveInteger.default(10 * 1024 * 1024),
  /** Upstream pool size per upstream: sized for 1000 concurrent client connections. */
  connections: positiveInteger.default(1024),
  /** Longest TCP (and TLS) connect to an upstream. */
  connectTimeoutMs: milliseconds.default(15_000),
  /** Time to the upstream's response headers. */
  firstByteTimeoutMs: milliseconds.default(60_000),
  /** Longest silence between two body chunks from the upstream. */
  idleTimeoutMs: milliseconds.default(60_000),
  /** How long an idle upstream connection is kept for reuse. */
  keepAliveTimeoutMs: milliseconds.default(30_000),
  /**
   * Longest wait for a client that stopped reading (the socket does not drain); its connection
   * is then closed, which frees the upstream connection held behind it. 0 turns it off.
   */
  clientStallTimeoutMs: milliseconds.default(300_000),
  /** Serve `POST /v1/messages` (Anthropic Messages API) from OpenAI-compatible upstreams; `false` forwards it unchanged. Default true. */
  anthropicMessages: anthropicMessagesOption,
  /** Answers mapped into a business system's shape by JSONata expressions (docs/formats.md). Off when absent. */
  responseEnvelopes: responseEnvelopesSchema.optional(),
  /** Stream ⇄ JSON per route, model, upstream or request (docs/formats.md). Off when absent. */
  streamConversion: streamConversionSchema.optional(),
  /** Ask upstreams for the usage chunk of every stream; hidden again from clients that did not ask. Default false. */
  requestStreamUsage: requestStreamUsageOption,
  /** A pino logger, or pino options (`{ level: 'silent' }` in tests), or `false` for no logging at all. */
  logger: z
    .union([z.literal(false), z.custom<Logger>((value) => isPinoLogger(value)), z.looseObject({})])
    .optional(),
  /**
   * Redis for state shared by several gateway instances (limits, nonces, spend). Without it
   * every store is in this process's memory.
   */
  redis: z
    .strictObject({
      /** One Redis server (`redis://`, `rediss://` for TLS). Exactly one of url, cluster, sentinel. */
      url: redisUrl.optional(),
      /** A Redis Cluster: some of its nodes; the client discovers the rest. */
      cluster: z.strictObject({ nodes: z.array(redisUrl).min(1) }).optional(),
      /** A Sentinel set: the sentinels' URLs and the name of the master they watch. */
      sentinel: z
        .strictObject({
          sentinels: z.array(redisUrl).min(1),
          name: z.string().min(1),
          /** The master's password, when it differs from the sentinels' (theirs is in their URLs). */
          password: z.string().optional(),
        })
        .optional(),
      keyPrefix: z
        .string()
        .regex(/^[^{}]*$/, 'must not contain { or }: a brace would become the cluster hash tag of every key')
        .default('ferry:'),
      /** How long `gateway.ready()` waits for the first connection. */
      connectTimeoutMs: milliseconds.default(5_000),
      /**
       * How many gateway instances (processes) share this Redis. What cannot be shared while
       * Redis is down (the insurance limiters, the fallback pacer) and the retry budget's floor
       * take 1/instances each, so the fleet together stays near the configured figure.
       */
      instances: positiveInteger.default(1),
    })
    .refine(
      (redis) => [redis.url, redis.cluster, redis.sentinel].filter((each) => each !== undefined).length === 1,
      'needs exactly one of url, cluster or sentinel',
    )
    .optional(),
  /** Retries before the first byte (see docs/resilience.md); off when absent. */
  retry: retrySchema.optional(),
  /** A circuit breaker per upstream (see docs/resilience.md); off when absent. */
  breaker: breakerSchema.optional(),
  /** The fallback chain, hedging and the degraded answer (see docs/resilience.md). */
  fallback: fallbackSchema.optional(),
  /** Called once per request when its token usage is known (the upstream's report, or an estimate for a cut stream). */
  onUsage: functionOf<(usage: Usage, context: GatewayContext) => void>('onUsage').optional(),
  /** Rate limits per client key, tenant or IP (see docs/governance.md). Off when left out. */
  limits: limitsSchema.optional(),
  /** Smooths requests to each upstream to its quota. Off when left out. */
  pacing: pacingSchema.optional(),
  /** What happens when prompt + `max_tokens` exceed the model's window. */
  context: contextSchema.prefault({}),
  /** Server-side chat history named by `x-ferry-conversation` (docs/conversations.md). Off when left out. */
  conversations: conversationsSchema.optional(),
  /** Spend limits per client key and tenant. Spend is tracked when this is set. */
  budgets: budgetsSchema.optional(),
  /** The exact response cache, per tenant, upstream and endpoint (docs/cost.md). Off when left out. */
  cache: cacheSchema,
  /** Identical requests in flight share one upstream call (docs/cost.md). Off when left out. */
  coalesce: coalesceSchema,
  /** `POST /v1/embeddings` calls within a few ms sent upstream as one call (docs/cost.md). Off when left out. */
  embeddingsBatching: embeddingsBatchingSchema,
  /** USD per million tokens by model, over the built-in table. */
  prices: pricesSchema,
  /** Absurd `max_tokens`, `n` or message counts answer 400 before any upstream call. */
  inputLimits: inputLimitsSchema.prefault({}),
  /** `GET {basePath}/ferry/usage`: usage and spend per key, for an admin key. Off when left out. */
  usageEndpoint: usageEndpointSchema.optional(),
  /** The WebSocket endpoints: Realtime and the Responses WebSocket mode (docs/websocket.md). `false`: none. */
  websocket: websocketOptionsSchema,
  /** Prometheus metrics on the gateway's own registry (docs/metrics.md). Off when left out. */
  metrics: metricsOptionsSchema.optional(),
  /** Alerts to chat robots and webhooks from the gateway's own events (docs/operations.md). Off when left out. */
  alerts: alertsOptionsSchema.optional(),
  /** A live status page at `GET /v1/ferry/status` (and `status.json`), behind the admin key. Off when left out. */
  statusPage: statusPageSchema.optional(),
  /** GenAI spans and metrics through the host app's OpenTelemetry providers (docs/operations.md). Off when left out. */
  openTelemetry: openTelemetrySchema.optional(),
  /**
   * Policies of your own, each at a named stage; it runs just outside Ferry's policies of that
   * stage: `[{ stage: 'route', policy: myRouter }]`.
   */
  policies: z.array(stagedPolicySchema).default([]),
};

// Annotated with the fields' own type so the published `.d.ts` keeps each field's doc comment.
export const gatewayOptionsSchema: z.ZodObject<typeof gatewayOptionFields, z.core.$strict> = z
  .strictObject(gatewayOptionFields)
  .refine((options) => options.upstream !== undefined || (options.upstreams?.length ?? 0) > 0, {
    message: 'configure at least one upstream (`upstream` or `upstreams`)',
    path: ['upstreams'],
  });

function isPinoLogger(value: unknown): value is Logger {
  return typeof value === 'object' && value !== null && 'child' in value && 'levels' in value;
}

/** The options `createGateway` accepts (defaults filled in for the missing ones). */
export type GatewayOptions = z.input<typeof gatewayOptionsSchema>;
/** The options after validation, with every default filled in. */
export type ResolvedOptions = z.output<typeof gatewayOptionsSchema>;
export type { Stage };

/**
 * Validates options once, at construction, and fills in defaults.
 *
 * @example
 * resolveOptions({ upstream: { url: 'https://api.openai.com/v1', apiKey: process.env.OPENAI_API_KEY } });
 */
export function resolveOptions(options: GatewayOptions): ResolvedOptions {
  const result = gatewayOptionsSchema.safeParse(options);
  if (result.success) return result.data;
  throw invalidOptions(result.error.issues.map((issue) => [issue.path.join('.'), issue.message] as const));
}

/** The upstream list, with the `upstream` shorthand folded in. */
export function upstreamList(options: ResolvedOptions): ResolvedUpstreamOptions[] {
  return [...(options.upstream ? [options.upstream] : []), ...(options.upstreams ?? [])];
}
