import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createGateway, gatewayInternals } from '../gateway.js';
import { createRedisClient, createRedisStore, waitForRedis } from './redis-store.js';
import type { Store } from './store.js';

// A real Redis is part of the test environment (CI starts one): without it this suite fails.
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Redis store', () => {
  const prefix = `ferry-test:${randomUUID()}:`;
  let redis: Redis;
  let store: Store;
  before(async () => {
    redis = createRedisClient({ url: redisUrl });
    await waitForRedis(redis, 5_000);
    store = createRedisStore(redis, prefix);
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('sets a key only when absent, with its TTL, under the prefix', async () => {
    assert.equal(store.kind, 'redis');
    assert.equal(await store.setIfAbsent('nonce:a', '1', 60_000), true);
    assert.equal(await store.setIfAbsent('nonce:a', '2', 60_000), false);
    assert.equal(await store.get('nonce:a'), '1');
    assert.equal(await redis.get(`${prefix}nonce:a`), '1');
    const ttl = await redis.pttl(`${prefix}nonce:a`);
    assert.ok(ttl > 0 && ttl <= 60_000, `pttl ${ttl}`);
  });

  it('forgets a key once its TTL passed', async () => {
    assert.equal(await store.setIfAbsent('short', '1', 30), true);
    // Wait on the key itself, not on a clock.
    while ((await store.get('short')) !== undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await store.setIfAbsent('short', '2', 30_000), true);
  });

  it('sets with and without TTL, gets and deletes', async () => {
    await store.set('plain', 'v');
    assert.equal(await redis.pttl(`${prefix}plain`), -1);
    await store.set('plain', 'w', 5_000);
    assert.equal(await store.get('plain'), 'w');
    assert.ok((await redis.pttl(`${prefix}plain`)) > 0);
    await store.delete('plain');
    assert.equal(await store.get('plain'), undefined);
    assert.equal(await store.get('never-set'), undefined);
  });

  it('increments by fractional amounts, setting the TTL only on creation', async () => {
    assert.equal(await store.incrementBy('spend', 0.25, 60_000), 0.25);
    await redis.pexpire(`${prefix}spend`, 50_000);
    assert.equal(await store.incrementBy('spend', 1.5, 60_000), 1.75);
    const ttl = await redis.pttl(`${prefix}spend`);
    assert.ok(ttl > 0 && ttl <= 50_000, `the TTL was extended to ${ttl}`);
    assert.equal(await store.incrementBy('count', 2), 2);
    assert.equal(await redis.pttl(`${prefix}count`), -1);
  });

  it('adds to several counters in one pipeline, setting each TTL only on creation', async () => {
    await store.incrementBy('many-a', 1, 60_000);
    await redis.pexpire(`${prefix}many-a`, 50_000);
    await store.addMany([
      { key: 'many-a', amount: 0.5, ttlMs: 60_000 },
      { key: 'many-b', amount: 2, ttlMs: 60_000 },
      { key: 'many-c', amount: 3 },
    ]);
    assert.equal(await store.get('many-a'), '1.5');
    assert.equal(await store.get('many-b'), '2');
    assert.equal(await store.get('many-c'), '3');
    const ttl = await redis.pttl(`${prefix}many-a`);
    assert.ok(ttl > 0 && ttl <= 50_000, `the TTL was extended to ${ttl}`);
    assert.ok((await redis.pttl(`${prefix}many-b`)) > 50_000);
    assert.equal(await redis.pttl(`${prefix}many-c`), -1);
  });

  it('is shared by two clients with the same prefix', async () => {
    const other = createRedisClient({ url: redisUrl });
    try {
      await waitForRedis(other, 5_000);
      const second = createRedisStore(other, prefix);
      assert.equal(await store.setIfAbsent('shared', 'a', 60_000), true);
      assert.equal(await second.setIfAbsent('shared', 'b', 60_000), false);
      assert.equal(await second.incrementBy('shared-count', 1), 1);
      assert.equal(await store.incrementBy('shared-count', 1), 2);
    } finally {
      other.disconnect();
    }
  });
});

describe('Redis unavailable', () => {
  it('fails commands at once instead of queueing them', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const redis = createRedisClient({ url: `redis://127.0.0.1:${port}` });
    try {
      const store = createRedisStore(redis, 'x:');
      await assert.rejects(store.get('k'));
      await assert.rejects(waitForRedis(redis, 50), /did not become ready within 50 ms/);
    } finally {
      redis.disconnect();
    }
  });
});

describe('gateway with redis configured', () => {
  it('uses a Redis store and is ready once connected', async () => {
    const gateway = createGateway({
      upstream: { url: 'http://127.0.0.1:9/v1' },
      redis: { url: redisUrl, keyPrefix: `ferry-test:${randomUUID()}:` },
      logger: false,
    });
    try {
      await gateway.ready();
      assert.equal(gatewayInternals(gateway).stores.store.kind, 'redis');
      assert.equal(gatewayInternals(gateway).stores.redis?.status, 'ready');
      const key = `probe-${randomUUID()}`;
      assert.equal(await gatewayInternals(gateway).stores.store.setIfAbsent(key, '1', 1_000), true);
      await gatewayInternals(gateway).stores.store.delete(key);
    } finally {
      await gateway.close();
    }
  });
});
