import { z } from 'zod';
import { milliseconds, positiveInteger } from '../../config/schema-helpers.js';
import type { GatewayContext } from '../../types.js';

/** Completion tokens reserved when a request sets no `max_tokens`, also for client-only token limits. */
export const defaultCompletionTokens = 1_024;
/** How long a concurrency slot of a crashed instance is held. */
export const defaultLeaseSeconds = 600;

/**
 * What happens to a limit when its store (Redis) fails or does not answer within
 * `storeTimeoutMs`: `insurance` counts in this process's memory meanwhile (this instance's
 * share: the limit divided by `redis.instances`), `open` admits, `closed` answers 503.
 */
const onStoreFailure = z.enum(['insurance', 'open', 'closed']);

const windowLimitFields = {
  /** Requests (or tokens) admitted per window and per limit key. */
  limit: positiveInteger,
  /** Fixed window length: counts reset at the end of each window (see docs/governance.md); for GCRA, the period `limit` refills over. */
  windowSeconds: positiveInteger.default(60),
  onStoreFailure: onStoreFailure.default('insurance'),
  /**
   * `fixed-window` (default): exact inside a window, up to 2x the limit across a boundary.
   * `gcra`: a token bucket refilling `limit` per `windowSeconds`, never more than `burst` at once.
   */
  algorithm: z.enum(['fixed-window', 'gcra']).default('fixed-window'),
  /** GCRA only: the bucket depth, what may go at once after a quiet spell. Default: `limit`. */
  burst: positiveInteger.optional(),
};
const windowLimit: z.ZodObject<typeof windowLimitFields, z.core.$strict> = z.strictObject(windowLimitFields);

/** The key a client is limited by: its key id, its tenant, its IP address, or a function. */
const limitKey = z.union([
  z.enum(['client', 'tenant', 'ip']),
  z.custom<(context: GatewayContext) => string>((value) => typeof value === 'function', {
    message: 'must be "client", "tenant", "ip" or a function',
  }),
]);

const limitsFields = {
  key: limitKey.default('client'),
  /** Header carrying the tenant when `key` is `tenant` and authentication set none. */
  tenantHeader: z.string().toLowerCase().default('x-ferry-tenant'),
  requests: windowLimit.optional(),
  tokens: windowLimit
    .extend({
      /** Completion tokens reserved when a request sets no `max_tokens`. */
      defaultCompletionTokens: positiveInteger.default(defaultCompletionTokens),
    })
    .optional(),
  concurrency: z
    .strictObject({
      limit: positiveInteger,
      /** A slot a crashed instance never released is freed after this long. */
      leaseSeconds: positiveInteger.default(defaultLeaseSeconds),
      onStoreFailure: onStoreFailure.default('insurance'),
    })
    .optional(),
  /** A Redis limiter call slower than this counts as a store failure. */
  storeTimeoutMs: milliseconds.default(500),
};
export const limitsSchema: z.ZodObject<typeof limitsFields, z.core.$strict> = z.strictObject(limitsFields);

/** The `limits` option with its defaults filled in. */
export type LimitsOptions = z.output<typeof limitsSchema>;
export type WindowLimitOptions = z.output<typeof windowLimit>;
