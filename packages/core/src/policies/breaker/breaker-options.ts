import { z } from 'zod';
import { positiveInteger } from '../../config/schema-helpers.js';

/** Top-level `breaker`: on when present. One opossum breaker per upstream (or upstream and model). */
const breakerFields = {
  /** Failure share (percent) over the rolling window that opens the circuit. Default 50. */
  errorThresholdPercentage: z.number().min(0).max(100).default(50),
  /** Requests in the window before the share is judged. Default 10. */
  volumeThreshold: z.number().int().nonnegative().default(10),
  /** Rolling window. Default 10000, in 10 buckets. */
  rollingWindowMs: positiveInteger.default(10_000),
  rollingBuckets: positiveInteger.default(10),
  /** Time open before one probe is let through (half-open). Default 30000. */
  resetTimeoutMs: positiveInteger.default(30_000),
  /** One breaker per upstream and model instead of per upstream. Default false. */
  perModel: z.boolean().default(false),
};
export const breakerSchema: z.ZodObject<typeof breakerFields, z.core.$strict> = z.strictObject(breakerFields);

export type BreakerOptions = z.output<typeof breakerSchema>;
