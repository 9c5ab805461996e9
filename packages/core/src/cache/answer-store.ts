import { LRUCache } from 'lru-cache';
import type { Store } from '../stores/store.js';

/** Where cached answers live. A failing store rejects; the cache then treats it as a miss. */
export interface AnswerStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
}

/**
 * An LRU in this process, bounded by entries and by bytes (a string's length counts as its
 * size: UTF-16 code units, within 2× of its bytes), each entry with its own TTL.
 *
 * @example
 * const answers = memoryAnswerStore(10_000, 64 * 1024 * 1024);
 */
export function memoryAnswerStore(maxEntries: number, maxBytes: number): AnswerStore {
  const lru = new LRUCache<string, string>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (value) => Math.max(1, value.length),
  });
  return {
    kind: 'memory',
    get: (key) => Promise.resolve(lru.get(key)),
    set(key, value, ttlMs) {
      // An entry larger than the whole cache would throw; the caller already caps entry size.
      if (value.length <= maxBytes) lru.set(key, value, { ttl: ttlMs });
      return Promise.resolve();
    },
  };
}

/**
 * Answers on the gateway's shared Store (Redis), under `cache:<key>`. A lookup slower than
 * `lookupTimeoutMs` rejects, so a slow Redis costs a miss, never a stalled request.
 */
export function storeAnswerStore(store: Store, lookupTimeoutMs: number): AnswerStore {
  return {
    kind: 'redis',
    get(key) {
      if (lookupTimeoutMs === 0) return store.get(`cache:${key}`);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('cache lookup timed out')), lookupTimeoutMs);
        store.get(`cache:${key}`).then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
    },
    set: (key, value, ttlMs) => store.set(`cache:${key}`, value, ttlMs),
  };
}
