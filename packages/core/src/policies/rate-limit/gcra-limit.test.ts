import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type GatewayWithMock, send, startGatewayWithMock } from '../../testing/index.js';

const messages = [{ role: 'user', content: 'Say hello' }];
const chat = (ferry: GatewayWithMock, key = 'sk-client-a', body: object = {}) =>
  send(`${ferry.url}/chat/completions`, {
    headers: { authorization: `Bearer ${key}` },
    body: { model: 'gpt-4o-mini', messages, ...body },
  });
const statuses = (answers: ReadonlyArray<{ status: number }>) => answers.map((answer) => answer.status);
const count = (list: number[], status: number) => list.filter((each) => each === status).length;

for (const store of ['memory', 'redis'] as const) {
  describe(`GCRA request limits through the gateway (${store})`, () => {
    let ferry: GatewayWithMock;
    before(async () => {
      ferry = await startGatewayWithMock(
        {
          upstream: { local: true },
          clientKeys: ['sk-client-a', 'sk-client-b'],
          // 120 per minute sustained (one every 500 ms), 20 at once.
          limits: { requests: { limit: 120, windowSeconds: 60, algorithm: 'gcra', burst: 20 } },
          ...(store === 'redis'
            ? { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: `ferry-test:${randomUUID()}:` } }
            : {}),
        },
        { record: false },
      );
      await ferry.gateway.ready();
    });
    after(() => ferry.close());

    it('admits exactly the burst out of 200 concurrent requests, then nothing more at once', async () => {
      const started = performance.now();
      const first = statuses(await Promise.all(Array.from({ length: 200 }, () => chat(ferry))));
      // One token refills every 500 ms: on a slow machine the burst itself may outlast one.
      const refilled = Math.floor((performance.now() - started) / 500);
      assert.ok(
        count(first, 200) >= 20 && count(first, 200) <= 20 + refilled,
        `admitted ${count(first, 200)}, burst 20 + ${refilled} refilled`,
      );
      assert.equal(count(first, 200) + count(first, 429), 200);
      // A fixed window admits a fresh limit right after its boundary; a bucket does not refill at once.
      const again = statuses(await Promise.all(Array.from({ length: 20 }, () => chat(ferry))));
      assert.ok(count(again, 200) <= 1, `at most one token refilled meanwhile, got ${count(again, 200)}`);
    });

    it('answers 429 with a Retry-After taken from the bucket, and the headers describe the burst', async () => {
      const refused = await chat(ferry);
      assert.equal(refused.status, 429);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'rate_limit_exceeded');
      const waitMs = Number(refused.headers['retry-after-ms']);
      // One token comes back every 500 ms: the wait is at most that, not the 60 s of a window.
      assert.ok(waitMs > 0 && waitMs <= 500, `retry-after-ms ${waitMs}`);
      assert.equal(refused.headers['x-ratelimit-limit-requests'], '20');
      assert.match(String(refused.headers['ratelimit-policy']), /"requests";q=20;w=10/);
      await new Promise((resolve) => setTimeout(resolve, waitMs + 20));
      assert.equal((await chat(ferry)).status, 200);
    });

    it('keeps one bucket per client key', async () => {
      const other = statuses(await Promise.all(Array.from({ length: 25 }, () => chat(ferry, 'sk-client-b'))));
      assert.equal(count(other, 200), 20);
    });
  });
}
