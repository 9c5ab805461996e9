import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { send, startGatewayServer, startGatewayWithMock } from '../../testing/index.js';
import { startPrivateRedis } from '../rate-limit/testing/private-redis.js';
import { startExhaustedUpstream } from './testing/exhausted-upstream.js';

const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

describe('shared upstream pacing', () => {
  it('an announced reset seen by one instance holds every instance', async () => {
    const upstream = await startExhaustedUpstream();
    const options = {
      upstream: { url: upstream.url, local: true },
      redis: { url: redisUrl, keyPrefix: `ferry-test:${randomUUID()}:` },
      pacing: { requestsPerMinute: 6_000, burstRequests: 10, maxWaitMs: 1_000 },
    };
    const first = await startGatewayServer(options);
    const second = await startGatewayServer(options);
    try {
      await Promise.all([first.gateway.ready(), second.gateway.ready()]);
      assert.equal((await send(`${first.url}/chat/completions`, { body })).status, 200);
      // The hold is written to Redis after the answer: give it a moment to land.
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The second instance never saw the headers; the shared bucket tells it to wait 20 s.
      const held = await send(`${second.url}/chat/completions`, { body });
      assert.equal(held.status, 429);
      assert.equal((held.json as { error: { code: string } }).error.code, 'upstream_rate_limited');
      assert.ok(Number(held.headers['retry-after']) >= 19, `retry-after ${held.headers['retry-after']}`);
      assert.equal(upstream.served, 1);
    } finally {
      await first.close();
      await second.close();
      await upstream.close();
    }
  });

  it('while Redis is down each instance paces to its share (rate / instances), and back on Redis after', async () => {
    const redis = await startPrivateRedis();
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      redis: { url: redis.url, keyPrefix: 'ferry-pace:', instances: 4 },
      // 1200 per minute for the fleet: one every 50 ms; a quarter of it while Redis is down.
      pacing: { requestsPerMinute: 1_200, burstRequests: 1, maxWaitMs: 10_000, storeTimeoutMs: 100 },
    });
    const states: string[] = [];
    ferry.gateway.events.on('store', (event) => states.push(`${event.store}:${event.state}`));
    const arrivals = async (count: number) => {
      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: count }, () => send(`${ferry.url}/chat/completions`, { body })),
      );
      assert.deepEqual(
        answers.map((answer) => answer.status),
        Array(count).fill(200),
      );
      return performance.now() - started;
    };
    try {
      await ferry.gateway.ready();
      const healthy = await arrivals(6);
      assert.ok(healthy >= 5 * 50 * 0.9 && healthy < 5 * 200, `healthy: ${healthy.toFixed(0)} ms`);
      assert.ok((await redis.admin.keys('ferry-pace:pace:{*')).length === 1, 'one shared bucket');

      await redis.kill();
      const degraded = await arrivals(6);
      // 300 per minute: one every 200 ms, so five intervals take about a second.
      assert.ok(degraded >= 5 * 200 * 0.9, `degraded: ${degraded.toFixed(0)} ms`);
      assert.deepEqual(states, ['pacing:degraded']);

      await redis.restart();
      await ferry.gateway.ready();
      for (let attempt = 0; attempt < 50 && states.length < 2; attempt++) await arrivals(1);
      assert.deepEqual(states, ['pacing:degraded', 'pacing:recovered']);
    } finally {
      await ferry.close();
      await redis.stop();
    }
  });
});
