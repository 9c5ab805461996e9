import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { createPriceTable } from '../cost/price-table.js';
import { type GatewayWithMock, startGatewayWithMock } from '../testing/index.js';
import { createContextWindowTable } from './context-windows.js';
import { tokenScaleForModel } from './encodings.js';

describe('Claude models in the token, window and price tables', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({ context: { strategy: 'reject' } });
  });
  after(() => ferry.close());

  it('knows the 200K window of every Claude model, dated ids included', () => {
    const windowOf = createContextWindowTable({}, 8_000);
    for (const model of ['claude-opus-4-1-20250805', 'claude-sonnet-4-5', 'claude-3-5-haiku-20241022']) {
      assert.equal(windowOf(model), 200_000, model);
    }
  });

  it("prices Claude usage at Anthropic's list prices, cache hits at the cache-hit price", () => {
    const costOf = createPriceTable({});
    const usage = {
      promptTokens: 1_100_000,
      cachedPromptTokens: 1_000_000,
      completionTokens: 1_000_000,
      totalTokens: 2_100_000,
      source: 'upstream' as const,
    };
    // 0.1M input at $3 + 1M cache hits at $0.30 + 1M output at $15.
    assert.deepEqual(costOf('claude-sonnet-4-5-20250929', usage), { usd: 0.3 + 0.3 + 15, priced: true });
    // The longest prefix wins: Opus 4.5 is not priced as Opus 4.
    assert.equal(costOf('claude-opus-4-5-20251101', { ...usage, cachedPromptTokens: 0 }).usd, 1.1 * 5 + 25);
    assert.equal(costOf('claude-opus-4-20250514', { ...usage, cachedPromptTokens: 0 }).usd, 1.1 * 15 + 75);
  });

  it('scales local counts for Claude, whose tokenizer is not published, and only for Claude', () => {
    assert.equal(tokenScaleForModel('claude-haiku-4-5'), 1.2);
    assert.equal(tokenScaleForModel('gpt-4o'), 1);
    assert.equal(tokenScaleForModel(undefined), 1);
  });

  it('refuses a /v1/messages prompt that fits only unscaled, in Anthropic shape', async () => {
    // ~160K o200k tokens + 20K: 180K would fit 200K; scaled for Claude (192K + 20K) it does not.
    const client = new Anthropic({ baseURL: ferry.origin, apiKey: 'none', maxRetries: 0 });
    const error = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 20_000,
        messages: [{ role: 'user', content: 'word '.repeat(160_000) }],
      })
      .catch((thrown: unknown) => thrown);
    assert.ok(error instanceof Anthropic.BadRequestError);
    assert.equal((error.error as { error: { type: string } }).error.type, 'invalid_request_error');
    assert.match((error.error as { error: { message: string } }).error.message, /200000/);
    assert.equal(ferry.mock.requests.length, 0);
  });
});
