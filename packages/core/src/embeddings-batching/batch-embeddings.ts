import type { Policy } from '../types.js';
import type { EmbeddingsBatchingOptions } from './batching-options.js';
import { embeddingInputs, estimateInputTokens } from './embedding-inputs.js';
import { MicroBatcher } from './micro-batcher.js';

/**
 * Embeddings micro-batching at the `cache` stage (after the exact cache: a hit never waits for
 * a window). Everything outside this stage (limits, budgets, token reservations) runs per
 * caller; everything inside it (routing, retries, the breaker, pacing) once per upstream call.
 * A request that cannot be batched (an unreadable `input`, more inputs or tokens than one call
 * takes, a full queue) goes on alone at once.
 *
 * @example
 * policies.cache = batchEmbeddings(options.embeddingsBatching);
 */
export function batchEmbeddings(options: EmbeddingsBatchingOptions): Policy {
  return (next) => {
    const batcher = new MicroBatcher(options, next);
    return (context) => {
      const body = context.body;
      if (context.route.path !== '/embeddings' || body === undefined) return next(context);
      const inputs = embeddingInputs(body.input);
      const count = inputs?.items.length ?? 0;
      if (
        inputs === undefined ||
        count > options.maxInputs ||
        batcher.pendingInputs + count > options.maxPendingInputs
      )
        return next(context);
      const group = MicroBatcher.groupOf(body, inputs.kind);
      if (group === undefined) return next(context);
      const tokens = estimateInputTokens(inputs);
      if (tokens > options.maxTokens) return next(context);
      return new Promise((resolve, reject) =>
        batcher.add(group, { context, inputs, tokens, resolve, reject, dispatched: false }),
      );
    };
  };
}
