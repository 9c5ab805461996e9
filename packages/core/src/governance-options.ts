import { z } from 'zod';
import type { GatewayContext } from './types.js';

const positiveInteger = z.number().int().positive();
const milliseconds = z.number().int().nonnegative();
const usd = z.number().nonnegative();

/**
 * What happens to a limit when its store (Redis) fails or does not answer within
 * `storeTimeoutMs`: `insurance` counts in this process's memory meanwhile (each instance then
 * allows the full limit on its own), `open` admits, `closed` answers 503.
 */
const onStoreFailure = z.enum(['insurance', 'open', 'closed']);

const windowLimit = z.strictObject({
  /** Requests (or tokens) admitted per window and per limit key. */
  limit: positiveInteger,
  /** Fixed window length: counts reset at the end of each window (see docs/governance.md). */
  windowSeconds: positiveInteger.default(60),
  onStoreFailure: onStoreFailure.default('insurance'),
});

/** The key a client is limited by: its key id, its tenant, its IP address, or a function. */
const limitKey = z.union([
  z.enum(['client', 'tenant', 'ip']),
  z.custom<(context: GatewayContext) => string>((value) => typeof value === 'function', {
    message: 'must be "client", "tenant", "ip" or a function',
  }),
]);

export const limitsSchema = z.strictObject({
  key: limitKey.default('client'),
  /** Header carrying the tenant when `key` is `tenant` and authentication set none. */
  tenantHeader: z.string().toLowerCase().default('x-ferry-tenant'),
  requests: windowLimit.optional(),
  tokens: windowLimit
    .extend({
      /** Completion tokens reserved when a request sets no `max_tokens`. */
      defaultCompletionTokens: positiveInteger.default(1_024),
    })
    .optional(),
  concurrency: z
    .strictObject({
      limit: positiveInteger,
      /** A slot a crashed instance never released is freed after this long. */
      leaseSeconds: positiveInteger.default(600),
      onStoreFailure: onStoreFailure.default('insurance'),
    })
    .optional(),
  /** A Redis limiter call slower than this counts as a store failure. */
  storeTimeoutMs: milliseconds.default(500),
});

export const pacingSchema = z.strictObject({
  /** Requests per minute sent to each upstream (key), until its headers say otherwise. */
  requestsPerMinute: positiveInteger.default(3_000),
  /** Requests that may leave at once after a quiet spell (token bucket depth). */
  burstRequests: positiveInteger.default(1),
  /** Requests waiting per upstream; one more answers 503 at once. */
  maxQueueLength: positiveInteger.default(1_000),
  /** Longest wait in the queue, lowered by the client's deadline (`x-ferry-deadline-ms`). */
  maxWaitMs: milliseconds.default(10_000),
  /** Follow the upstream's `x-ratelimit-*` headers. */
  learnFromHeaders: z.boolean().default(true),
});

export const contextSchema = z.strictObject({
  strategy: z.enum(['reject', 'trim', 'summarize']).default('reject'),
  /** Context windows in tokens by model, merged over the defaults (longest prefix wins). */
  windowTokens: z.record(z.string(), positiveInteger).default({}),
  /** Window used for models the table does not know. */
  defaultWindowTokens: positiveInteger.default(128_000),
  /** Completion tokens kept free when a request sets no `max_tokens`. */
  defaultCompletionTokens: z.number().int().nonnegative().default(0),
  summarize: z
    .strictObject({
      /** The (cheaper) model that writes the summary, through the same upstream. */
      model: z.string().min(1),
      /** Upstream name; the first upstream when left out. */
      upstream: z.string().optional(),
      maxSummaryTokens: positiveInteger.default(512),
      /** How long a summary stays cached in the store. */
      cacheTtlMs: positiveInteger.default(24 * 3_600_000),
      timeoutMs: positiveInteger.default(30_000),
    })
    .optional(),
});

const price = z.strictObject({
  inputPerMillionUsd: usd,
  cachedInputPerMillionUsd: usd.optional(),
  outputPerMillionUsd: usd.default(0),
});

const budgetLimits = z.strictObject({
  dailyUsd: usd.optional(),
  monthlyUsd: usd.optional(),
  softDailyUsd: usd.optional(),
  softMonthlyUsd: usd.optional(),
});

export const budgetsSchema = z.strictObject({
  /** Limits for every client key (by key id), overridable per key id in `keys`. */
  perKey: budgetLimits.default({}),
  perTenant: budgetLimits.default({}),
  keys: z.record(z.string(), budgetLimits).default({}),
  tenants: z.record(z.string(), budgetLimits).default({}),
  /** Over a soft limit, requests for a model on the left go to the model on the right. */
  cheaperModels: z.record(z.string(), z.string()).default({}),
  /** When the store cannot be read, `open` lets requests through, `closed` answers 503. */
  onStoreFailure: z.enum(['open', 'closed']).default('open'),
});

export const inputLimitsSchema = z.strictObject({
  maxCompletionTokens: positiveInteger.default(262_144),
  maxChoices: positiveInteger.default(128),
  maxMessages: positiveInteger.default(2_048),
});

export const usageEndpointSchema = z.strictObject({
  /** Sent as `Authorization: Bearer <adminKey>`; compared in constant time. */
  adminKey: z.string().min(16),
  /** Below the API base: `GET /v1/ferry/usage` by default. */
  path: z.string().startsWith('/').default('/ferry/usage'),
});

/** Prices in USD per million tokens, merged over the defaults (longest model prefix wins). */
export const pricesSchema = z.record(z.string(), price).default({});

export type LimitsOptions = z.output<typeof limitsSchema>;
export type WindowLimitOptions = z.output<typeof windowLimit>;
export type PacingOptions = z.output<typeof pacingSchema>;
export type ContextOptions = z.output<typeof contextSchema>;
export type BudgetsOptions = z.output<typeof budgetsSchema>;
export type BudgetLimits = z.output<typeof budgetLimits>;
export type InputLimitsOptions = z.output<typeof inputLimitsSchema>;
export type UsageEndpointOptions = z.output<typeof usageEndpointSchema>;
export type ModelPrice = z.output<typeof price>;
