import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createRedisClient, waitForRedis } from '../../stores/redis-store.js';
import type { GcraLimit } from './gcra-limiter.js';
import { createRedisGcraLimiter } from './gcra-redis-limiter.js';
import { admitted, replayAdmitted, seen } from './testing/gcra-replay.js';
import { createWindowLimiter } from './window-limiter.js';

// A real Redis is part of the test environment (CI starts one): without it this suite fails.
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('GCRA against a fixed window across the window boundary', () => {
  let redis: Redis;
  const keyPrefix = `ferry-test:${randomUUID()}:`;
  before(async () => {
    redis = createRedisClient({ url: redisUrl });
    await waitForRedis(redis, 5_000);
  });
  after(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('lets no 2x burst through where the fixed window does', async () => {
    // The same nominal limit both ways: 100 per 2 s (GCRA: one token every 20 ms, 100 at once).
    const window = createWindowLimiter({
      name: 'requests',
      limit: 100,
      windowSeconds: 2,
      onStoreFailure: 'closed',
      storeTimeoutMs: 5_000,
      redis,
      keyPrefix,
    });
    const limit: GcraLimit = { rate: 100, periodMs: 2_000, burst: 100 };
    const gcra = createRedisGcraLimiter({ redis, name: 'requests', keyPrefix, ...limit });
    const burst = async () => {
      const [windowOutcomes, gcraDecisions] = await Promise.all([
        Promise.all(Array.from({ length: 100 }, () => window.consume('key:edge', 1))),
        Promise.all(Array.from({ length: 100 }, () => gcra.consume('key:edge', 1))),
      ]);
      return {
        windowAdmitted: windowOutcomes.filter((outcome) => outcome.allowed).length,
        windowResetMs: Math.max(...windowOutcomes.map((outcome) => outcome.resetMs)),
        gcra: gcraDecisions.map((decision) => seen(decision)),
      };
    };

    // One request opens the fixed window; the burst comes near its end, and again just after.
    const opening = await window.consume('key:edge', 1);
    const openingGcra = seen(await gcra.consume('key:edge', 1));
    await sleep(opening.resetMs - 400);
    const late = await burst();
    await sleep(late.windowResetMs + 30);
    const early = await burst();

    // The fixed window admits its limit twice within well under one window: 199 in ~0.5 s.
    assert.equal(late.windowAdmitted + early.windowAdmitted, 199);
    const gcraSeen = [...late.gcra, ...early.gcra];
    const gcraAdmitted = admitted(gcraSeen);
    // GCRA: at most the burst plus what refilled between the first and the last decision.
    const spanMs = Math.max(...gcraSeen.map((d) => d.at)) - Math.min(...gcraSeen.map((d) => d.at));
    const bound = 100 + Math.floor(spanMs / 20);
    assert.ok(gcraAdmitted <= bound, `${gcraAdmitted} admitted in ${spanMs} ms (bound ${bound})`);
    assert.ok(gcraAdmitted < 160, `${gcraAdmitted} admitted`);
    assert.equal(admitted([openingGcra, ...gcraSeen]), replayAdmitted(limit, [openingGcra, ...gcraSeen]));
  });
});
