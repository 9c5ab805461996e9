import { z } from 'zod';
import { positiveInteger } from '../../config/schema-helpers.js';

/** Top-level `context`: what happens when prompt + `max_tokens` exceed the model's window. */
const contextFields = {
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
};
export const contextSchema: z.ZodObject<typeof contextFields, z.core.$strict> = z.strictObject(contextFields);

export type ContextOptions = z.output<typeof contextSchema>;
