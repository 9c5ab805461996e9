import type { Feature } from '../feature.js';
import { batchEmbeddings } from './batch-embeddings.js';
import { embeddingsBatchingSchema } from './batching-options.js';

/** Embeddings micro-batching (`embeddingsBatching`), at the `cache` stage after cache and coalescing. */
export const embeddingsBatchingFeature: Feature = {
  name: 'embeddings-batching',
  stages: ['cache'],
  options: { embeddingsBatching: embeddingsBatchingSchema },
  setup: ({ options }) =>
    options.embeddingsBatching === undefined
      ? undefined
      : { policies: { cache: batchEmbeddings(options.embeddingsBatching) } },
};
