import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import type { GatewayOptions } from './options.js';
import { type GatewayWithMock, startGatewayWithMock } from './testing/index.js';

const clientKey = 'sk-sdk-retry-client-key';
const messages = [{ role: 'user' as const, content: 'hello there' }];

/** A gateway with `options`, the official client with its default of two retries, and a count of what reached Ferry. */
async function withClient(
  options: Omit<Partial<GatewayOptions>, 'upstream'>,
  run: (client: OpenAI, ferry: GatewayWithMock) => Promise<void>,
) {
  const ferry = await startGatewayWithMock({ clientKeys: [clientKey], ...options });
  try {
    await run(new OpenAI({ baseURL: ferry.url, apiKey: clientKey, maxRetries: 2 }), ferry);
  } finally {
    await ferry.close();
  }
}

/** Calls `send`, expects the SDK to raise an APIError, and returns it with the requests Ferry saw meanwhile. */
async function refusal(ferry: GatewayWithMock, send: () => Promise<unknown>) {
  let seen = 0;
  const off = ferry.gateway.events.on('request:start', () => seen++);
  try {
    await send();
    assert.fail('the call was expected to fail');
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { error, seen };
  } finally {
    off();
  }
}

const answersThatRetryingCannotChange: Array<
  [string, Omit<Partial<GatewayOptions>, 'upstream'>, object, number, string]
> = [
  ['an exhausted hard budget', { budgets: { perKey: { dailyUsd: 0 } } }, {}, 429, 'insufficient_quota'],
  [
    'a model the client may not use',
    { clientKeys: [], clients: [{ id: 'bot', keys: [clientKey], allowedModels: ['gpt-4o'] }] },
    {},
    403,
    'model_not_allowed',
  ],
  [
    'a prompt the content filter blocks',
    { contentFilter: { words: ['forbidden'], request: 'block', response: 'off' } },
    { messages: [{ role: 'user', content: 'a forbidden thing' }] },
    400,
    'content_filter',
  ],
  [
    'a context that is too long',
    { context: { strategy: 'reject', windowTokens: { 'gpt-4o-mini': 16 } } },
    { max_tokens: 8, messages: [{ role: 'user', content: 'word '.repeat(50) }] },
    400,
    'context_length_exceeded',
  ],
  ['bad input', {}, { model: 42 }, 400, 'invalid_type'],
];

describe('answers the OpenAI SDK must not retry', () => {
  for (const [what, options, body, status, code] of answersThatRetryingCannotChange) {
    it(`${what}: ${status} ${code}, sent once, with x-should-retry: false`, async () => {
      await withClient(options, async (client, ferry) => {
        const { error, seen } = await refusal(ferry, () =>
          client.chat.completions.create({ model: 'gpt-4o-mini', messages, ...body } as never),
        );
        assert.equal(error.status, status);
        assert.equal(error.code, code);
        assert.equal(error.headers?.['x-should-retry'], 'false');
        assert.equal(seen, 1, 'the SDK sent the request once');
      });
    });
  }

  it('a rate limit is retried by the SDK after Retry-After, and then served', async () => {
    await withClient({ limits: { requests: { limit: 1, windowSeconds: 1 } } }, async (client, ferry) => {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      let seen = 0;
      ferry.gateway.events.on('request:start', () => seen++);
      const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      assert.equal(answer.object, 'chat.completion');
      assert.ok(seen >= 2, `the SDK retried the 429 (${seen} requests reached Ferry)`);
    });
  });
});
