import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { gatewayInternals } from '../../gateway.js';
import { type GatewayWithMock, send, startGatewayWithMock } from '../../testing/index.js';
import { type PrivateRedis, startPrivateRedis } from './testing/private-redis.js';

const prefix = 'ferry-failure:';
const messages = [{ role: 'user', content: 'Hi' }];

describe('rate limits when Redis fails', () => {
  let redis: PrivateRedis;
  let ferry: GatewayWithMock;
  const chat = (tenant: string) =>
    send(`${ferry.url}/chat/completions`, {
      headers: { 'x-ferry-tenant': tenant },
      body: { model: 'gpt-4o-mini', messages },
    });
  const fire = async (tenant: string, count: number) => {
    const answers = await Promise.all(Array.from({ length: count }, () => chat(tenant)));
    return answers.map((answer) => answer.status).sort();
  };
  const sharedCount = async (tenant: string) =>
    Number(await redis.admin.get(`${prefix}rl:requests:60:tenant:${tenant}`));

  before(async () => {
    redis = await startPrivateRedis();
    ferry = await startGatewayWithMock({
      upstream: { local: true },
      redis: { url: redis.url, keyPrefix: prefix },
      limits: { key: 'tenant', storeTimeoutMs: 100, requests: { limit: 5, onStoreFailure: 'insurance' } },
    });
    await ferry.gateway.ready();
  });
  after(async () => {
    await ferry.close();
    await redis.stop();
  });

  it('counts in Redis while it is healthy', async () => {
    assert.deepEqual(await fire('healthy', 7), [200, 200, 200, 200, 200, 429, 429]);
    assert.equal(await sharedCount('healthy'), 7);
  });

  it('falls back to the in-memory insurance limiter while Redis is paused: no hang, no 500', async () => {
    await redis.admin.client('PAUSE', 1_500, 'ALL');
    // Each limiter call gives up after storeTimeoutMs (100 ms) and the insurance limit applies.
    assert.deepEqual(await fire('paused', 7), [200, 200, 200, 200, 200, 429, 429]);
    await redis.admin.client('UNPAUSE');
  });

  it('falls back to the insurance limiter while Redis is down, and uses Redis again once it is back', async () => {
    await redis.kill();
    assert.deepEqual(await fire('down', 7), [200, 200, 200, 200, 200, 429, 429]);
    const client = gatewayInternals(ferry.gateway).stores.redis;
    assert.ok(client !== undefined);
    await redis.restart();
    if (client.status !== 'ready') await once(client, 'ready');
    assert.deepEqual(await fire('recovered', 6), [200, 200, 200, 200, 200, 429]);
    assert.equal(await sharedCount('recovered'), 6);
  });
});

describe('fail-open and fail-closed limits', () => {
  // Nothing listens on this Redis port: every limiter call fails at once.
  const deadRedis = { url: 'redis://127.0.0.1:1', keyPrefix: 'ferry-dead:' };

  it('fail-closed answers 503 with Retry-After, never 500', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      redis: deadRedis,
      limits: { key: 'ip', requests: { limit: 5, onStoreFailure: 'closed' } },
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages },
      });
      assert.equal(answer.status, 503);
      assert.equal((answer.json as { error: { code: string } }).error.code, 'rate_limit_store_unavailable');
      assert.equal(answer.headers['retry-after'], '1');
      assert.equal(ferry.mock.requests.length, 0);
    } finally {
      await ferry.close();
    }
  });

  it('fail-open admits every request while the store is unavailable', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      redis: deadRedis,
      limits: { key: 'ip', requests: { limit: 2, onStoreFailure: 'open' } },
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () =>
          send(`${ferry.url}/chat/completions`, { body: { model: 'gpt-4o-mini', messages } }),
        ),
      );
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200, 200, 200],
      );
    } finally {
      await ferry.close();
    }
  });
});
