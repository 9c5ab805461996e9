import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GatewayWithMock, send, startGatewayWithMock } from '../testing/index.js';

const messages = [{ role: 'user', content: 'Hi' }];

describe('input limits', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({
      upstream: { local: true },
      inputLimits: { maxCompletionTokens: 1_000, maxChoices: 4, maxMessages: 3 },
    });
  });
  after(() => ferry.close());

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an absurd max_tokens', { max_tokens: 10_000_000 }, 'max_tokens'],
    ['a negative max_completion_tokens', { max_completion_tokens: -1 }, 'max_completion_tokens'],
    ['a fractional max_tokens', { max_tokens: 1.5 }, 'max_tokens'],
    ['a string max_tokens', { max_tokens: '100' }, 'max_tokens'],
    ['too many choices', { n: 50 }, 'n'],
    ['n = 0', { n: 0 }, 'n'],
    ['too many messages', { messages: [...messages, ...messages, ...messages, ...messages] }, 'messages'],
    ['messages that are not an array', { messages: 'Hi' }, 'messages'],
  ];
  for (const [name, fields, param] of cases) {
    it(`rejects ${name} with 400 before any upstream call`, async () => {
      const answer = await send(`${ferry.url}/chat/completions`, {
        body: { model: 'gpt-4o-mini', messages, ...fields },
      });
      assert.equal(answer.status, 400);
      const error = (answer.json as { error: Record<string, unknown> }).error;
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, param);
      assert.equal(error.code, 'invalid_value');
      assert.equal(ferry.mock.requests.length, 0);
    });
  }

  it('passes requests inside the limits', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: { model: 'gpt-4o-mini', messages, max_tokens: 1_000, n: 4 },
    });
    assert.equal(answer.status, 200);
  });
});
