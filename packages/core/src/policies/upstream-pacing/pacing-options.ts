import { z } from 'zod';
import { milliseconds, positiveInteger } from '../../config/schema-helpers.js';

/** Top-level `pacing`: on when present. */
const pacingFields = {
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
  /**
   * With `redis` configured, one bucket per upstream (key) in Redis shared by every instance, so
   * that together they stay under the upstream's quota (docs/scale-out.md). `false`: each
   * instance paces alone.
   */
  shared: z.boolean().default(true),
  /** A shared-bucket call slower than this counts as a Redis failure: the local pacer takes over. */
  storeTimeoutMs: milliseconds.default(500),
};
export const pacingSchema: z.ZodObject<typeof pacingFields, z.core.$strict> = z.strictObject(pacingFields);

export type PacingOptions = z.output<typeof pacingSchema>;
