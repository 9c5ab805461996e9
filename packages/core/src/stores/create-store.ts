import type { Redis } from 'ioredis';
import { createMemoryStore } from './memory-store.js';
import {
  createRedisClient,
  createRedisStore,
  type RedisConnectionOptions,
  waitForRedis,
} from './redis-store.js';
import type { Store } from './store.js';

/** The gateway's shared state: one Store and, when configured, the one Redis client behind it. */
export interface GatewayStores {
  store: Store;
  /** The Redis client, for features that talk to Redis directly (rate-limiter-flexible). */
  redis: Redis | undefined;
  /** The prefix of every key Ferry writes to Redis (`ferry:`), also used by in-memory limiters. */
  keyPrefix: string;
  /** Resolves when the Redis connection is up (at once for memory). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the stores from the `redis` option: Redis when a URL is set, memory otherwise. */
export function createStores(
  redisOptions: (RedisConnectionOptions & { keyPrefix: string; connectTimeoutMs: number }) | undefined,
): GatewayStores {
  if (redisOptions === undefined) {
    const store = createMemoryStore();
    return {
      store,
      redis: undefined,
      keyPrefix: memoryKeyPrefix,
      ready: async () => {},
      close: () => store.close(),
    };
  }
  const redis = createRedisClient(redisOptions);
  const store = createRedisStore(redis, redisOptions.keyPrefix);
  return {
    store,
    redis,
    keyPrefix: redisOptions.keyPrefix,
    ready: () => waitForRedis(redis, redisOptions.connectTimeoutMs),
    async close() {
      await store.close();
      redis.disconnect();
    },
  };
}

// In-memory limiters share one process: the prefix only keeps their keys apart.
const memoryKeyPrefix = 'ferry:';
