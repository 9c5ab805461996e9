import { z } from 'zod';
import { milliseconds, positiveInteger } from '../config/schema-helpers.js';

/**
 * Embeddings micro-batching (docs/cost.md): `POST /v1/embeddings` calls that arrive within a
 * few milliseconds are sent upstream as one call with an input array and split back by index.
 * Off when left out; `embeddingsBatching: {}` turns it on with the defaults below.
 */
export const embeddingsBatchingSchema = z
  .strictObject({
    /** How long the first caller of a batch waits for others. Default 5. */
    windowMs: milliseconds.default(5),
    /** Most inputs in one upstream call (OpenAI takes 2048). Default 2048. */
    maxInputs: positiveInteger.default(2_048),
    /** Most input tokens in one upstream call, estimated locally (UTF-8 bytes / 4; OpenAI takes 300000). Default 300000. */
    maxTokens: positiveInteger.default(300_000),
    /** Most inputs waiting for a batch; a caller beyond it is sent on its own at once. Default 20000. */
    maxPendingInputs: positiveInteger.default(20_000),
  })
  .optional();

export type EmbeddingsBatchingOptions = NonNullable<z.output<typeof embeddingsBatchingSchema>>;
