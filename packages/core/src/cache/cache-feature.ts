import { invalidOption } from '../config/options-error.js';
import type { Feature } from '../feature.js';
import { answerKeyFor } from './answer-key.js';
import { memoryAnswerStore, storeAnswerStore } from './answer-store.js';
import { cacheSchema } from './cache-options.js';
import { responseCache } from './response-cache.js';

/**
 * The exact response cache (`cache`), at the `cache` stage: after the budget check and the
 * token reservation (a hit settles them at zero), before routing (a hit needs no upstream).
 */
export const cacheFeature: Feature = {
  name: 'cache',
  stages: ['cache'],
  options: { cache: cacheSchema },
  setup({ options, stores, events }) {
    const cache = options.cache;
    if (cache === undefined) return undefined;
    const kind = cache.store ?? (stores.redis === undefined ? 'memory' : 'redis');
    if (kind === 'redis' && stores.redis === undefined)
      throw invalidOption('cache.store', '"redis" needs the gateway\'s `redis` option');
    const answers =
      kind === 'redis'
        ? storeAnswerStore(stores.store, cache.lookupTimeoutMs)
        : memoryAnswerStore(cache.maxEntries, cache.maxBytes);
    return { policies: { cache: responseCache(cache, answers, answerKeyFor(options), events) } };
  },
};
