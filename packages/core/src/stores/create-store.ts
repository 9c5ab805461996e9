import type { Redis } from 'ioredis';
import { createMemoryStore } from './memory-store.js';
import { createRedisClient, createRedisStore, waitForRedis } from './redis-store.js';
import type { Store } from './store.js';

/** The gateway's shared state: one Store and, when configured, the one Redis client behind it. */
export interface GatewayStores {
  store: Store;
  /** The Redis client, for features that talk to Redis directly (rate-limiter-flexible). */
  redis: Redis | undefined;
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Builds the stores from the `redis` option: Redis when a URL is set, memory otherwise. */
export function createStores(redisOptions: { url: string; keyPrefix: string } | undefined): GatewayStores {
  if (redisOptions === undefined) {
    const store = createMemoryStore();
    return { store, redis: undefined, ready: async () => {}, close: () => store.close() };
  }
  const redis = createRedisClient({ url: redisOptions.url });
  const store = createRedisStore(redis, redisOptions.keyPrefix);
  return {
    store,
    redis,
    ready: (timeoutMs) => waitForRedis(redis, timeoutMs),
    async close() {
      await store.close();
      redis.disconnect();
    },
  };
}
