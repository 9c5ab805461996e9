import { z } from 'zod';
import { milliseconds, positiveInteger } from '../../config/schema-helpers.js';

/** Top-level `retry`: on when present. */
const retryFields = {
  /** Attempts in total, the first included. Default 3. */
  attempts: positiveInteger.default(3),
  /** Full-jitter backoff: a random wait in [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))]. Defaults 1000 and 10000. */
  baseDelayMs: milliseconds.default(1_000),
  maxDelayMs: milliseconds.default(10_000),
  /** A `Retry-After`/`retry-after-ms` longer than this ends the retries (the client gets it). Default 20000. */
  maxRetryAfterMs: milliseconds.default(20_000),
  /** No retry starts whose wait would end after this, counted from the first attempt. Default 60000. */
  deadlineMs: positiveInteger.default(60_000),
  /** Statuses retried. Default 408, 429, 500, 502, 503, 504. */
  statuses: z.array(z.number().int().min(400).max(599)).default([408, 429, 500, 502, 503, 504]),
  /** Retry a request whose first-byte timeout fired (the upstream may be generating and billing it). Default false. */
  retryFirstByteTimeout: z.boolean().default(false),
  /** Retries in flight may be at most this share of the requests in flight. Default 20. */
  budgetPercent: z.number().min(0).max(100).default(20),
  /** ... but at least this many. Default 3. */
  budgetMinimum: z.number().int().nonnegative().default(3),
};
export const retrySchema: z.ZodObject<typeof retryFields, z.core.$strict> = z.strictObject(retryFields);

export type RetryOptions = z.output<typeof retrySchema>;
