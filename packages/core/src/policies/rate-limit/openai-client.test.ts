import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type GatewayWithMock, startGatewayWithMock } from '../../testing/index.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('limits seen through the official openai client', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({
      upstream: { local: true },
      clientKeys: ['sk-limited', 'sk-broke'],
      limits: { key: 'client', requests: { limit: 1 } },
      prices: { 'gpt-4o-mini': { inputPerMillionUsd: 0, outputPerMillionUsd: 0 } },
      budgets: { perKey: { dailyUsd: 0 } },
    });
  });
  after(() => ferry.close());

  it('a rate limit surfaces as RateLimitError with OpenAI fields and headers', async () => {
    const client = new OpenAI({ baseURL: ferry.url, apiKey: 'sk-limited', maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages }),
      (error: unknown) => {
        // A daily budget of 0 is spent from the start: insufficient_quota, which the SDK never retries.
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.status, 429);
        assert.equal(error.code, 'insufficient_quota');
        assert.equal(error.type, 'insufficient_quota');
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.code, 'rate_limit_exceeded');
        assert.equal(error.type, 'requests');
        assert.equal(error.headers?.['x-ratelimit-limit-requests'], '1');
        assert.ok(Number(error.headers?.['retry-after-ms']) > 0);
        return true;
      },
    );
    assert.equal(ferry.mock.requests.length, 0);
  });
});
