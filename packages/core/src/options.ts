import type { Logger } from 'pino';
import { z } from 'zod';
import { clientSchema } from './clients/client-options.js';
import { contentFilterOptionsSchema } from './filter/filter-options.js';
import {
  budgetsSchema,
  contextSchema,
  inputLimitsSchema,
  limitsSchema,
  pacingSchema,
  pricesSchema,
  usageEndpointSchema,
} from './governance-options.js';
import { metricsOptionsSchema } from './metrics/metrics-options.js';
import {
  breakerSchema,
  fallbackSchema,
  retrySchema,
  upstreamResilienceFields,
} from './resilience-options.js';
import { allowedPathPattern } from './routes.js';
import { signingOptionsSchema } from './signing/signing-options.js';
import type { GatewayContext, Usage } from './types.js';

const milliseconds = z.number().int().nonnegative();
const positiveInteger = z.number().int().positive();

const upstreamSchema = z.strictObject({
  /** Name shown in logs and the `x-ferry-upstream` header. */
  name: z.string().min(1).default('default'),
  /** The API base, as for the openai client: `https://api.openai.com/v1`. */
  url: z.url({ protocol: /^https?$/ }),
  /** Injected as `Authorization: Bearer <apiKey>`; never logged, never sent to clients. */
  apiKey: z.string().min(1).optional(),
  /** Extra headers sent upstream on every request (e.g. `OpenAI-Organization`). */
  headers: z.record(z.string(), z.string()).default({}),
  connections: positiveInteger.optional(),
  connectTimeoutMs: milliseconds.optional(),
  firstByteTimeoutMs: milliseconds.optional(),
  idleTimeoutMs: milliseconds.optional(),
  keepAliveTimeoutMs: milliseconds.optional(),
  ...upstreamResilienceFields,
});

const functionOf = <T>(label: string) =>
  z.custom<T>((value) => typeof value === 'function', { message: `${label} must be a function` });

export const gatewayOptionsSchema = z
  .strictObject({
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
    connectTimeoutMs: milliseconds.default(15_000),
    /** Time to the upstream's response headers. */
    firstByteTimeoutMs: milliseconds.default(60_000),
    /** Longest silence between two body chunks from the upstream. */
    idleTimeoutMs: milliseconds.default(60_000),
    keepAliveTimeoutMs: milliseconds.default(30_000),
    /**
     * Longest wait for a client that stopped reading (the socket does not drain); its connection
     * is then closed, which frees the upstream connection held behind it. 0 turns it off.
     */
    clientStallTimeoutMs: milliseconds.default(300_000),
    /**
     * Ask the upstream for `stream_options.include_usage` so usage is known for every stream;
     * the extra usage chunk is removed again when the client did not ask for it.
     */
    requestStreamUsage: z.boolean().default(false),
    /** A pino logger, or pino options (`{ level: 'silent' }` in tests), or false for none. */
    logger: z
      .union([z.literal(false), z.custom<Logger>((value) => isPinoLogger(value)), z.looseObject({})])
      .optional(),
    /**
     * Redis for state shared by several gateway instances (limits, nonces, spend). Without it
     * every store is in this process's memory.
     */
    redis: z
      .strictObject({
        url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
        keyPrefix: z.string().default('ferry:'),
        /** How long `gateway.ready()` waits for the first connection. */
        connectTimeoutMs: milliseconds.default(5_000),
      })
      .optional(),
    /** Retries before the first byte (see docs/resilience.md); off when absent. */
    retry: retrySchema.optional(),
    /** A circuit breaker per upstream (see docs/resilience.md); off when absent. */
    breaker: breakerSchema.optional(),
    /** The fallback chain, hedging and the degraded answer (see docs/resilience.md). */
    fallback: fallbackSchema.optional(),
    /** Called once per request when its token usage is known. */
    onUsage: functionOf<(usage: Usage, context: GatewayContext) => void>('onUsage').optional(),
    /** Rate limits per client key, tenant or IP (see docs/governance.md). Off when left out. */
    limits: limitsSchema.optional(),
    /** Smooths requests to each upstream to its quota. Off when left out. */
    pacing: pacingSchema.optional(),
    /** What happens when prompt + `max_tokens` exceed the model's window. */
    context: contextSchema.prefault({}),
    /** Spend limits per client key and tenant. Spend is tracked when this is set. */
    budgets: budgetsSchema.optional(),
    /** USD per million tokens by model, over the built-in table. */
    prices: pricesSchema,
    /** Absurd `max_tokens`, `n` or message counts answer 400 before any upstream call. */
    inputLimits: inputLimitsSchema.prefault({}),
    /** `GET {basePath}/ferry/usage`: usage and spend per key, for an admin key. Off when left out. */
    usageEndpoint: usageEndpointSchema.optional(),
    /** Prometheus metrics on the gateway's own registry (docs/metrics.md). Off when left out. */
    metrics: metricsOptionsSchema.optional(),
  })
  .refine((options) => options.upstream !== undefined || (options.upstreams?.length ?? 0) > 0, {
    message: 'configure at least one upstream (`upstream` or `upstreams`)',
    path: ['upstreams'],
  });

function isPinoLogger(value: unknown): value is Logger {
  return typeof value === 'object' && value !== null && 'child' in value && 'levels' in value;
}

/** The options `createGateway` accepts (defaults filled in for the missing ones). */
export type GatewayOptions = z.input<typeof gatewayOptionsSchema>;
export type UpstreamOptions = z.input<typeof upstreamSchema>;
export type ResolvedOptions = z.output<typeof gatewayOptionsSchema>;
export type ResolvedUpstreamOptions = z.output<typeof upstreamSchema>;

/** Thrown at construction when options are wrong; the message names each bad field. */
export class GatewayOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayOptionsError';
  }
}

/**
 * Validates options once, at construction, and fills in defaults.
 *
 * @example
 * resolveOptions({ upstream: { url: 'https://api.openai.com/v1', apiKey: process.env.OPENAI_API_KEY } });
 */
export function resolveOptions(options: GatewayOptions): ResolvedOptions {
  const result = gatewayOptionsSchema.safeParse(options);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(options)';
    return `${field}: ${issue.message}`;
  });
  throw new GatewayOptionsError(`Invalid Ferry options — ${problems.join('; ')}`);
}

/** The upstream list, with the `upstream` shorthand folded in. */
export function upstreamList(options: ResolvedOptions): ResolvedUpstreamOptions[] {
  return [...(options.upstream ? [options.upstream] : []), ...(options.upstreams ?? [])];
}
