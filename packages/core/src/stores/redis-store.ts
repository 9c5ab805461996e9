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

/**
 * Where Redis is: one server (`url`), a Redis Cluster (`cluster.nodes`) or a Sentinel set
 * (`sentinel`). Exactly one is set (the options schema checks it).
 */
export interface RedisConnectionOptions {
  url?: string | undefined;
  cluster?: { nodes: string[] } | undefined;
  sentinel?: { sentinels: string[]; name: string; password?: string | undefined } | undefined;
}

const require = createRequire(import.meta.url);

// Shared by every connection Ferry opens. The offline queue is off, so while Redis is
// unreachable a command fails at once instead of hanging the request that issued it.
const commandOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 } as const;
// Reconnect quickly but never give up: Redis coming back must heal the gateway.
const retryStrategy = (attempt: number) => Math.min(50 * attempt, 1_000);

/** `redis://user:pass@host:port/db` as ioredis's per-node options. */
function nodeOf(url: string) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
  };
}

/**
 * Creates an ioredis client, loaded only now: it is an optional peer dependency that a gateway
 * without Redis never needs, and loading it synchronously keeps `createGateway` synchronous.
 * A cluster gets an ioredis `Cluster` (typed as `Redis` for the callers: it speaks the same
 * commands, and every key Ferry writes or scripts touch is one slot); a Sentinel set gets a
 * `Redis` that asks the sentinels for the master and follows a failover (`failoverDetector`).
 *
 * @example
 * const redis = createRedisClient({ url: 'redis://127.0.0.1:6379' });
 * await waitForRedis(redis, 5_000);
 */
export function createRedisClient(options: RedisConnectionOptions): Redis {
  let ioredis: typeof import('ioredis');
  try {
    ioredis = require('ioredis') as typeof import('ioredis');
  } catch {
    throw new Error('Ferry needs the "ioredis" package for Redis: install ioredis@5 next to @ferry/core');
  }
  let redis: Redis;
  if (options.cluster !== undefined) {
    const nodes = options.cluster.nodes.map(nodeOf);
    const { password, username, tls } = nodes[0] ?? {};
    const cluster = new ioredis.Cluster(
      nodes.map(({ host, port }) => ({ host, port })),
      {
        enableOfflineQueue: false,
        clusterRetryStrategy: retryStrategy,
        // Slots move during a failover: look them up again soon rather than fail for long.
        slotsRefreshTimeout: 1_000,
        redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2_000, password, username, tls },
      },
    );
    // The Cluster's command surface is Redis's; only the connection handling differs.
    redis = cluster as unknown as Redis;
  } else if (options.sentinel !== undefined) {
    const sentinels = options.sentinel.sentinels.map(nodeOf);
    const first = sentinels[0];
    redis = new ioredis.Redis({
      ...commandOptions,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name: options.sentinel.name,
      sentinelPassword: first?.password,
      sentinelUsername: first?.username,
      password: options.sentinel.password,
      failoverDetector: true,
      sentinelRetryStrategy: retryStrategy,
      retryStrategy,
    });
  } else {
    redis = new ioredis.Redis(options.url ?? 'redis://127.0.0.1:6379', { ...commandOptions, retryStrategy });
  }
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
