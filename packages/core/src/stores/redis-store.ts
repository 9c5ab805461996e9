import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Store } from './store.js';

/**
 * A Store on Redis, shared by every gateway instance using the same server and prefix.
 * Commands fail fast when Redis is down (the client is built with the offline queue off), so
 * each caller decides whether to fail open or closed.
 *
 * @example
 * const redis = await connectRedis({ url: 'redis://127.0.0.1:6379' });
 * const store = createRedisStore(redis, 'ferry:');
 */
export function createRedisStore(redis: Redis, prefix: string): Store {
  return {
    kind: 'redis',
    async setIfAbsent(key, value, ttlMs) {
      return (await redis.set(prefix + key, value, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async get(key) {
      return (await redis.get(prefix + key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      if (ttlMs === undefined) await redis.set(prefix + key, value);
      else await redis.set(prefix + key, value, 'PX', ttlMs);
    },
    async incrementBy(key, amount, ttlMs) {
      const name = prefix + key;
      if (ttlMs === undefined) return Number(await redis.incrbyfloat(name, amount));
      // One round trip; `PEXPIRE ... NX` sets the TTL only when the key was just created.
      const results = await redis.multi().incrbyfloat(name, amount).pexpire(name, ttlMs, 'NX').exec();
      const [error, value] = results?.[0] ?? [new Error('Redis returned no result')];
      if (error) throw error;
      return Number(value);
    },
    async addMany(increments) {
      if (increments.length === 0) return;
      // One pipeline, not a transaction: each counter is independent of the others.
      const pipeline = redis.pipeline();
      for (const { key, amount, ttlMs } of increments) {
        pipeline.incrbyfloat(prefix + key, amount);
        if (ttlMs !== undefined) pipeline.pexpire(prefix + key, ttlMs, 'NX');
      }
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
    },
    async delete(key) {
      await redis.del(prefix + key);
    },
    async close() {
      // The connection is owned by whoever created it (the gateway closes it once).
    },
  };
}

/** Redis connection options Ferry accepts. */
export interface RedisConnectionOptions {
  url: string;
}

const require = createRequire(import.meta.url);

/**
 * Creates an ioredis client, loaded only now: it is an optional peer dependency that a gateway
 * without Redis never needs, and loading it synchronously keeps `createGateway` synchronous.
 * The offline queue is off, so while Redis is unreachable a command fails at once instead of
 * hanging the request that issued it; ioredis keeps reconnecting in the background.
 *
 * @example
 * const redis = createRedisClient({ url: 'redis://127.0.0.1:6379' });
 * await waitForRedis(redis, 5_000);
 */
export function createRedisClient(options: RedisConnectionOptions): Redis {
  let RedisClient: typeof Redis;
  try {
    ({ Redis: RedisClient } = require('ioredis') as typeof import('ioredis'));
  } catch {
    throw new Error('Ferry needs the "ioredis" package for Redis: install ioredis@5 next to @ferry/core');
  }
  const redis = new RedisClient(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Reconnect quickly but never give up: Redis coming back must heal the gateway.
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
  });
  // Errors surface on the commands that fail; without a listener ioredis would log each one.
  redis.on('error', () => {});
  return redis;
}

/** Resolves once the client is connected; rejects after `timeoutMs`. */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
