import { z } from 'zod';
import { positiveInteger } from '../../config/schema-helpers.js';

/** Top-level `fallback`: the chain of upstreams and what to answer when all fail. */
const fallbackFields = {
  /** Upstream names in order. Default: every upstream, in the order configured. */
  chain: z.array(z.string().min(1)).min(1).optional(),
  /** A chain per requested model (takes precedence over `routes` and `chain`). */
  models: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  /** A chain per route name (`chat.completions`, `embeddings`, ...). */
  routes: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  /**
   * For streams: when the first byte has not arrived after this long, start the next upstream
   * in parallel; the first to send a byte wins and the other is aborted. Off when absent.
   */
  hedgeAfterMs: positiveInteger.optional(),
  /** The last resort for chat completions: a fixed answer, in the format the client asked for. */
  degraded: z
    .strictObject({
      content: z.string().min(1),
      /** The `model` field of the answer. Default: the requested model. */
      model: z.string().min(1).optional(),
    })
    .optional(),
};
export const fallbackSchema: z.ZodObject<typeof fallbackFields, z.core.$strict> =
  z.strictObject(fallbackFields);
export type FallbackOptions = z.output<typeof fallbackSchema>;
