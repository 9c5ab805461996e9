import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { gatewayInternals } from '../../gateway.js';
import { type GatewayWithMock, send, startGatewayWithMock } from '../../testing/index.js';
import { type PrivateRedis, startPrivateRedis } from './testing/private-redis.js';
import { insuranceShare } from './window-limiter.js';

const messages = [{ role: 'user', content: 'Hi' }];

// Redis down and back with each limiter kind, in a fleet of four: while Redis is down each
// instance's insurance limiter counts a quarter of the limit, so four instances together admit
// about the limit, not four times it.
for (const algorithm of ['fixed-window', 'gcra'] as const) {
  describe(`a ${algorithm} limit of a four-instance fleet while Redis is down`, () => {
    let redis: PrivateRedis;
    let ferry: GatewayWithMock;
    const fire = async (tenant: string, count: number) => {
      const answers = await Promise.all(
        Array.from({ length: count }, () =>
          send(`${ferry.url}/chat/completions`, {
            headers: { 'x-ferry-tenant': tenant },
            body: { model: 'gpt-4o-mini', messages },
          }),
        ),
      );
      return answers.filter((answer) => answer.status === 200).length;
    };

    before(async () => {
      redis = await startPrivateRedis();
      ferry = await startGatewayWithMock({
        upstream: { local: true },
        redis: { url: redis.url, keyPrefix: `ferry-fleet-${algorithm}:`, instances: 4 },
        // An hour's window: nothing refills during the test.
        limits: {
          key: 'tenant',
          storeTimeoutMs: 200,
          requests: { limit: 8, windowSeconds: 3_600, algorithm, onStoreFailure: 'insurance' },
        },
      });
      await ferry.gateway.ready();
    });
    after(async () => {
      await ferry.close();
      await redis.stop();
    });

    it('admits the whole limit through Redis, a quarter of it while Redis is down, and the whole again once back', async () => {
      assert.equal(await fire('healthy', 12), 8);
      await redis.kill();
      assert.equal(await fire('down', 12), insuranceShare(8, 4));
      await redis.restart();
      const client = gatewayInternals(ferry.gateway).stores.redis;
      if (client !== undefined && client.status !== 'ready') await once(client, 'ready');
      assert.equal(await fire('back', 12), 8);
    });
  });
}

describe('the insurance share', () => {
  it('rounds up and never reaches 0', () => {
    assert.equal(insuranceShare(100, 3), 34);
    assert.equal(insuranceShare(1, 8), 1);
    assert.equal(insuranceShare(100), 100);
  });
});
