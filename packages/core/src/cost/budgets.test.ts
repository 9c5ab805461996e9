import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { eventually, send, startGatewayWithMock } from '../testing/index.js';
import { createPriceTable } from './price-table.js';

const messages = [{ role: 'user', content: 'Hi' }];
// One cent per token in and out, so a single mock answer crosses a small budget.
const prices = { 'gpt-4o-mini': { inputPerMillionUsd: 10_000, outputPerMillionUsd: 10_000 } };
const adminKey = 'admin-key-0123456789';

for (const store of ['memory', 'redis'] as const) {
  describe(`budgets (${store})`, () => {
    const start = (budgets: object) =>
      startGatewayWithMock({
        upstream: { local: true },
        clientKeys: ['sk-team-a', 'sk-team-b'],
        prices,
        budgets,
        usageEndpoint: { adminKey },
        ...(store === 'redis'
          ? { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: `ferry-test:${randomUUID()}:` } }
          : {}),
      });
    const chat = (url: string, key: string, model = 'gpt-4o-mini') =>
      send(`${url}/chat/completions`, {
        headers: { authorization: `Bearer ${key}` },
        body: { model, messages },
      });

    it('hard budget: 429 insufficient_quota once the key has spent its daily budget; other keys go on', async () => {
      const ferry = await start({ perKey: { dailyUsd: 0.05 } });
      try {
        await ferry.gateway.ready();
        assert.equal((await chat(ferry.url, 'sk-team-a')).status, 200);
        await eventually(async () => (await chat(ferry.url, 'sk-team-a')).status === 429);
        const refused = await chat(ferry.url, 'sk-team-a');
        assert.equal(refused.status, 429);
        assert.deepEqual(Object.keys((refused.json as { error: object }).error).sort(), [
          'code',
          'message',
          'param',
          'type',
        ]);
        const error = (refused.json as { error: Record<string, unknown> }).error;
        assert.equal(error.code, 'insufficient_quota');
        assert.equal(error.type, 'insufficient_quota');
        const upstreamCalls = ferry.mock.requests.length;
        assert.equal((await chat(ferry.url, 'sk-team-b')).status, 200);
        assert.equal(ferry.mock.requests.length, upstreamCalls + 1);
      } finally {
        await ferry.close();
      }
    });

    it('soft budget: routes to the cheaper model and says so', async () => {
      const ferry = await start({
        perKey: { softDailyUsd: 0.05 },
        cheaperModels: { 'gpt-4o': 'gpt-4o-mini' },
      });
      try {
        await ferry.gateway.ready();
        const first = await chat(ferry.url, 'sk-team-a', 'gpt-4o-mini');
        assert.equal(first.status, 200);
        assert.equal(first.headers['x-ferry-budget'], undefined);
        await eventually(async () => {
          const answer = await chat(ferry.url, 'sk-team-a', 'gpt-4o');
          return answer.headers['x-ferry-budget'] === 'soft-limit; model=gpt-4o->gpt-4o-mini';
        });
        assert.equal(
          (ferry.mock.requests.at(-1)?.json as { model: string } | undefined)?.model,
          'gpt-4o-mini',
        );
      } finally {
        await ferry.close();
      }
    });

    it('GET /v1/ferry/usage reports requests, tokens and spend per key, for the admin key only', async () => {
      const ferry = await start({});
      try {
        await ferry.gateway.ready();
        const answer = await chat(ferry.url, 'sk-team-a');
        const usage = (answer.json as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
        const refused = await send(`${ferry.url}/ferry/usage`, {
          headers: { authorization: 'Bearer sk-team-a' },
        });
        assert.equal(refused.status, 401);
        await eventually(async () => {
          const report = await send(`${ferry.url}/ferry/usage`, {
            headers: { authorization: `Bearer ${adminKey}` },
          });
          assert.equal(report.status, 200);
          const body = report.json as {
            object: string;
            data: Array<{ key: string; day: Record<string, number> }>;
          };
          assert.equal(body.object, 'ferry.usage');
          assert.equal(body.data.length, 2);
          const spent = body.data.find((entry) => entry.day.requests === 1);
          if (spent === undefined) return false;
          assert.match(spent.key, /^key_/);
          assert.equal(spent.day.promptTokens, usage.prompt_tokens);
          assert.equal(spent.day.completionTokens, usage.completion_tokens);
          assert.ok(
            Math.abs((spent.day.spendUsd ?? 0) - (usage.prompt_tokens + usage.completion_tokens) * 0.01) <
              1e-9,
          );
          assert.ok(!report.text.includes('sk-team'));
          return true;
        });
      } finally {
        await ferry.close();
      }
    });
  });
}

describe('price table', () => {
  it('prices cached input lower and resolves dated snapshots to their family', () => {
    const costOf = createPriceTable({});
    const usage = {
      promptTokens: 1_000_000,
      completionTokens: 1_000_000,
      totalTokens: 2_000_000,
      source: 'upstream' as const,
    };
    assert.equal(costOf('gpt-4o-2024-08-06', usage).usd, 2.5 + 10);
    assert.equal(costOf('gpt-4o', { ...usage, cachedPromptTokens: 1_000_000 }).usd, 1.25 + 10);
    assert.equal(costOf('gpt-4o-mini', usage).usd, 0.15 + 0.6);
    assert.deepEqual(costOf('my-local-llama', usage), { usd: 0, priced: false });
  });
});
