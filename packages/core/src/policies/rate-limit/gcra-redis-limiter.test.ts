import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedisClient, waitForRedis } from '../../stores/redis-store.js';
import type { GcraLimit } from './gcra-limiter.js';
import { createRedisGcraLimiter, GcraStoreError, gcraKey } from './gcra-redis-limiter.js';
import { gcraConsumeScript } from './gcra-redis-script.js';
import { gcraConformance } from './testing/gcra-conformance.js';
import { type PrivateRedis, startPrivateRedis } from './testing/private-redis.js';

// A real Redis is part of the test environment (CI starts one): without it this suite fails.
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const limit: GcraLimit = { rate: 100, periodMs: 60_000, burst: 100 };

describe('Redis GCRA limiter', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const freshPrefix = () => {
    const prefix = `ferry-test:${randomUUID()}:`;
    prefixes.push(prefix);
    return prefix;
  };
  before(async () => {
    redis = createRedisClient({ url: redisUrl });
    await waitForRedis(redis, 5_000);
  });
  after(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });

  describe('conformance', () => {
    gcraConformance(async (shape) =>
      createRedisGcraLimiter({ redis, name: 'requests', keyPrefix: freshPrefix(), ...shape }),
    );
  });

  it('keeps one hash-tagged key per bucket, living until the bucket is full again', async () => {
    const keyPrefix = freshPrefix();
    const limiter = createRedisGcraLimiter({ redis, name: 'tokens', keyPrefix, ...limit });
    await limiter.consume('tenant:acme', 3);
    const key = `${keyPrefix}rl:tokens:gcra:{tenant:acme}`;
    assert.equal(gcraKey(keyPrefix, 'tokens', 'tenant:acme'), key);
    assert.deepEqual(await redis.keys(`${keyPrefix}*`), [key]);
    // Three tokens of 600 ms each: the key expires when they have come back.
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 1_500 && ttl <= 1_800, `pttl ${ttl}`);
    await limiter.refund('tenant:acme', 1);
    const refunded = await redis.pttl(key);
    assert.ok(refunded > 900 && refunded <= 1_200, `pttl ${refunded}`);
    await limiter.refund('tenant:acme', 5);
    assert.equal(await redis.exists(key), 0, 'a full bucket needs no key');
  });

  it('lets an idle key expire by itself, and an expired key is a full bucket', async () => {
    const keyPrefix = freshPrefix();
    // One token per 20 ms.
    const limiter = createRedisGcraLimiter({
      redis,
      name: 'requests',
      keyPrefix,
      rate: 50,
      periodMs: 1_000,
      burst: 3,
    });
    const key = gcraKey(keyPrefix, 'requests', 'idle');
    assert.equal((await limiter.consume('idle', 3)).status, 'allowed');
    assert.equal((await limiter.consume('idle', 1)).status, 'limited');
    // Wait on the key itself, not on a clock.
    while ((await redis.exists(key)) === 1) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal((await limiter.consume('idle', 3)).status, 'allowed');
  });

  it('admits exactly the burst out of 1000 concurrent decisions on one client', async () => {
    const limiter = createRedisGcraLimiter({ redis, name: 'requests', keyPrefix: freshPrefix(), ...limit });
    const decisions = await Promise.all(Array.from({ length: 1_000 }, () => limiter.consume('key:hot', 1)));
    assert.equal(decisions.filter((decision) => decision.allowed).length, 100);
  });
});

describe('Redis GCRA limiter when Redis fails', () => {
  const shape = { name: 'requests', keyPrefix: 'ferry-failure:', ...limit };

  it('rejects with a GcraStoreError, not "limited", when nothing listens', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const redis = createRedisClient({ url: `redis://127.0.0.1:${port}` });
    try {
      const limiter = createRedisGcraLimiter({ redis, ...shape });
      await assert.rejects(limiter.consume('key:a', 1), GcraStoreError);
      await assert.rejects(limiter.refund('key:a', 1), GcraStoreError);
      await assert.rejects(limiter.charge('key:a', 1), GcraStoreError);
      // A cost above the burst is refused without asking the store, down or not.
      assert.equal((await limiter.consume('key:a', 101)).status, 'exceeds-burst');
    } finally {
      redis.disconnect();
    }
  });

  describe('with a private redis-server', () => {
    let server: PrivateRedis;
    let redis: Redis;
    before(async () => {
      server = await startPrivateRedis();
      redis = createRedisClient({ url: server.url });
      await waitForRedis(redis, 5_000);
    });
    after(async () => {
      redis.disconnect();
      await server.stop();
    });

    it('gives up after timeoutMs while Redis does not answer', async () => {
      const limiter = createRedisGcraLimiter({ redis, ...shape, timeoutMs: 100 });
      await server.admin.client('PAUSE', 1_000, 'ALL');
      try {
        await assert.rejects(limiter.consume('key:paused', 1), /did not answer within 100 ms/);
      } finally {
        await server.admin.client('UNPAUSE');
      }
    });

    it('reloads its script after SCRIPT FLUSH (EVALSHA answered NOSCRIPT)', async () => {
      const limiter = createRedisGcraLimiter({ redis, ...shape });
      assert.equal((await limiter.consume('key:flush', 1)).status, 'allowed');
      const sha = createHash('sha1').update(gcraConsumeScript).digest('hex');
      assert.deepEqual(await server.admin.script('EXISTS', sha), [1]);
      await server.admin.script('FLUSH');
      const decision = await limiter.consume('key:flush', 1);
      assert.equal(decision.status, 'allowed');
      assert.equal(decision.remaining, 98, 'the first decision is still counted');
      assert.deepEqual(await server.admin.script('EXISTS', sha), [1]);
    });

    it('fails while Redis is down and decides again once it is back', async () => {
      const limiter = createRedisGcraLimiter({ redis, ...shape });
      assert.equal((await limiter.consume('key:crash', 1)).status, 'allowed');
      await server.kill();
      await assert.rejects(limiter.consume('key:crash', 1), GcraStoreError);
      await server.restart();
      if (redis.status !== 'ready') await once(redis, 'ready');
      // The restarted server has neither the script nor the (unpersisted) bucket.
      const decision = await limiter.consume('key:crash', 1);
      assert.equal(decision.status, 'allowed');
      assert.equal(decision.remaining, 99);
    });
  });
});
