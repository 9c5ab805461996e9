import { z } from 'zod';
import { milliseconds, positiveInteger } from '../config/schema-helpers.js';

/**
 * The exact response cache (docs/cost.md). Off when left out; `cache: {}` turns it on with the
 * defaults below. Answers are kept per tenant (or client key), per upstream and per endpoint.
 */
export const cacheSchema = z
  .strictObject({
    /** Where answers live: `memory` (an LRU in this process) or `redis` (shared by the fleet). Default: `redis` when the gateway has `redis`, else `memory`. */
    store: z.enum(['memory', 'redis']).optional(),
    /** Most answers kept in memory. Default 10000. */
    maxEntries: positiveInteger.default(10_000),
    /** Most bytes of answers kept in memory. Default 64 MiB. */
    maxBytes: positiveInteger.default(64 * 1024 * 1024),
    /** Larger answers are not cached. Default 1 MiB. */
    maxEntryBytes: positiveInteger.default(1024 * 1024),
    /** How long an answer is served. Default 3600000 (1 h). */
    ttlMs: positiveInteger.default(3_600_000),
    /** Upper bound of a `x-ferry-cache: ttl=…` a caller asks for. Default 86400000 (24 h). */
    maxTtlMs: positiveInteger.default(86_400_000),
    /** Who may share an answer: `tenant` (the client's tenant, else its key) or `key` (each client key alone). Default `tenant`. */
    scope: z.enum(['tenant', 'key']).default('tenant'),
    /** Also cache answers with tool calls. Default false. */
    toolCalls: z.boolean().default(false),
    /** Also cache requests with `n > 1`. Default false. */
    multipleChoices: z.boolean().default(false),
    /**
     * Also cache sampled requests (`temperature > 0`, or no `temperature`: the API's default is
     * 1). Default false: a sampled answer is one draw, and replaying it changes what callers get.
     */
    sampled: z.boolean().default(false),
    /** A Redis lookup slower than this is a miss. Default 100. */
    lookupTimeoutMs: milliseconds.default(100),
  })
  .optional();

export type CacheOptions = NonNullable<z.output<typeof cacheSchema>>;
