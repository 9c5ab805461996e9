import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedisClient, waitForRedis } from '../stores/redis-store.js';
import { conversationKeys } from './redis-conversation-keys.js';
import { createRedisConversationStore } from './redis-conversation-store.js';
import { userTurn } from './test-conformance-harness.js';
import { describeConversationStoreConformance } from './test-conversation-conformance.js';

// A real Redis is part of the test environment (CI starts one): without it this suite fails.
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const connect = async () => {
  const redis = createRedisClient({ url: redisUrl });
  await waitForRedis(redis, 5_000);
  return redis;
};
const scan = async (redis: Redis, prefix: string) => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
};
const countItems = (reply: unknown): number =>
  Array.isArray(reply) ? reply.reduce((sum: number, item) => sum + countItems(item), 0) : 1;

// Counts what Redis sends back while `action` runs: every reply element of every command.
const measure = async (redis: Redis, action: () => Promise<unknown>) => {
  let items = 0;
  const pending: Promise<unknown>[] = [];
  const original = redis.sendCommand;
  redis.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    const [command] = args;
    pending.push(command.promise.then((reply) => (items += countItems(reply))).catch(() => {}));
    return original.apply(this, args);
  } as Redis['sendCommand'];
  try {
    await action();
    await Promise.all(pending);
  } finally {
    redis.sendCommand = original;
  }
  return items;
};

describeConversationStoreConformance(
  'redis',
  async ({ limits }) => {
    const prefix = `ferry-test:conv:${randomUUID()}:`;
    const options = { prefix, ...(limits === undefined ? {} : { limits }) };
    let redis = await connect();
    let store = createRedisConversationStore(redis, options);
    return {
      get store() {
        return store;
      },
      measureReads: (action) => measure(redis, action),
      remnants: () => scan(redis, prefix),
      async purge() {},
      async reopen() {
        await store.close();
        redis.disconnect();
        redis = await connect();
        store = createRedisConversationStore(redis, options);
        return store;
      },
      async close() {
        const keys = await scan(redis, prefix);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      },
    };
  },
  { durable: true },
);

describe('Redis conversation keys', () => {
  it('puts every key of a conversation in one cluster slot, and expires them together', async () => {
    const redis = await connect();
    const prefix = `ferry-test:conv:${randomUUID()}:`;
    try {
      const store = createRedisConversationStore(redis, { prefix });
      await store.ensure('c-1', 'tenant{a}:b');
      await store.append('c-1', 'tenant{a}:b', [userTurn('hello')]);
      await store.setSummary('c-1', 'tenant{a}:b', { text: 's', throughSeq: 1, tokens: 1 });
      await store.beginTurn('c-1', 'tenant{a}:b', 60_000);
      const keys = conversationKeys(prefix, 'tenant{a}:b', 'c-1');
      assert.equal(keys.meta, `${prefix}{conv:tenant%7Ba%7D%3Ab:c-1}:meta`);
      // Redis Cluster hashes only the part between the first `{` and the next `}`.
      const tags = new Set(
        Object.values(keys).map((key) => key.slice(key.indexOf('{') + 1, key.indexOf('}'))),
      );
      assert.deepEqual([...tags], ['conv:tenant%7Ba%7D%3Ab:c-1']);
      assert.deepEqual((await scan(redis, prefix)).length, 5, 'meta, turns, summary, lease, owner index');
      const ttls = await Promise.all([keys.meta, keys.turns, keys.summary].map((key) => redis.pttl(key)));
      assert.ok(
        ttls.every((ttl) => ttl > 0 && Math.abs(ttl - ttls[0]!) < 50),
        `ttls ${ttls}`,
      );
      await store.delete('c-1', 'tenant{a}:b');
      assert.deepEqual(await scan(redis, prefix), []);
    } finally {
      const keys = await scan(redis, prefix);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
