import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { eventually, type GatewayWithMock, send, startGatewayWithMock } from '../../testing/index.js';
import { countChatTokens } from '../../tokens/count-chat-tokens.js';
import { encodingForModel } from '../../tokens/encodings.js';

const messages = [{ role: 'user', content: 'Tell me a story about a ferry.' }];
const content = 'One two three four five six seven eight nine ten eleven twelve';

/** Streams a chat and reads until the end or the cut; returns the text of the deltas received. */
async function streamUntilCut(
  url: string,
  headers: Record<string, string>,
): Promise<{ text: string; cut: boolean }> {
  const answer = await request(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true, max_tokens: 1_000 }),
  });
  let raw = '';
  let cut = false;
  try {
    for await (const chunk of answer.body) raw += Buffer.from(chunk).toString('utf8');
  } catch {
    cut = true;
  }
  let text = '';
  for (const event of raw.split('\n\n')) {
    if (!event.startsWith('data: {')) continue;
    const parsed = JSON.parse(event.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> };
    text += parsed.choices?.[0]?.delta?.content ?? '';
  }
  return { text, cut };
}

for (const store of ['memory', 'redis'] as const) {
  describe(`token limits (${store})`, () => {
    const start = async (limit: number) => {
      const ferry = await startGatewayWithMock(
        {
          upstream: { local: true },
          limits: { key: 'ip', tokens: { limit } },
          ...(store === 'redis'
            ? { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: `ferry-test:${randomUUID()}:` } }
            : {}),
        },
        { chunks: 12, content },
      );
      await ferry.gateway.ready();
      return ferry;
    };

    it('reserves prompt + max_tokens, then settles a cut stream against the tokens actually streamed', async () => {
      const ferry: GatewayWithMock = await start(100_000);
      try {
        const encoding = await encodingForModel('gpt-4o-mini');
        const prompt = countChatTokens({ messages }, encoding);
        const first = await streamUntilCut(ferry.url, { 'x-mock-fault': 'reset-after=6' });
        assert.equal(first.cut, true);
        assert.ok(first.text.length > 0 && first.text.length < content.length);
        const streamed = encoding.countTokens(first.text);
        // A probe reserving prompt + 1 shows what is left once the cut stream settled; each earlier
        // probe settled to its own usage (prompt + the mock's 12 completion tokens).
        let probes = 0;
        await eventually(async () => {
          const probe = await send(`${ferry.url}/chat/completions`, {
            body: { model: 'gpt-4o-mini', messages, max_tokens: 1 },
          });
          const expected = 100_000 - (prompt + streamed) - probes * (prompt + 12) - (prompt + 1);
          probes++;
          return Number(probe.headers['x-ratelimit-remaining-tokens']) === expected;
        });
      } finally {
        await ferry.close();
      }
    });

    it('settles a complete response against the usage the upstream reported', async () => {
      const ferry = await start(100_000);
      try {
        const first = await send(`${ferry.url}/chat/completions`, {
          body: { model: 'gpt-4o-mini', messages, max_tokens: 5_000 },
        });
        assert.equal(first.status, 200);
        const usage = (first.json as { usage: { total_tokens: number } }).usage;
        const encoding = await encodingForModel('gpt-4o-mini');
        const prompt = countChatTokens({ messages }, encoding);
        assert.equal(first.headers['x-ratelimit-remaining-tokens'], String(100_000 - prompt - 5_000));
        let probes = 0;
        await eventually(async () => {
          const probe = await send(`${ferry.url}/chat/completions`, {
            body: { model: 'gpt-4o-mini', messages, max_tokens: 1 },
          });
          const expected = 100_000 - usage.total_tokens - probes * usage.total_tokens - (prompt + 1);
          probes++;
          return Number(probe.headers['x-ratelimit-remaining-tokens']) === expected;
        });
      } finally {
        await ferry.close();
      }
    });

    it('answers 429 type tokens when the reservation does not fit, with the token headers', async () => {
      const ferry = await start(1_200);
      try {
        const first = await send(`${ferry.url}/chat/completions`, {
          body: { model: 'gpt-4o-mini', messages, max_tokens: 1_000 },
        });
        assert.equal(first.status, 200);
        const second = await send(`${ferry.url}/chat/completions`, {
          body: { model: 'gpt-4o-mini', messages, max_tokens: 1_000 },
        });
        // The first settled to its real usage (a few dozen tokens), so a second reservation fits.
        assert.equal(second.status, 200);
        // Two settled requests used a few dozen tokens each: this reservation no longer fits the window.
        const third = await send(`${ferry.url}/chat/completions`, {
          body: { model: 'gpt-4o-mini', messages, max_tokens: 1_150 },
        });
        assert.equal(third.status, 429);
        const error = (third.json as { error: Record<string, unknown> }).error;
        assert.equal(error.type, 'tokens');
        assert.equal(error.code, 'rate_limit_exceeded');
        assert.equal(third.headers['x-ratelimit-limit-tokens'], '1200');
        assert.ok(Number(third.headers['retry-after']) >= 1);
        assert.equal(ferry.mock.requests.length, 2);
      } finally {
        await ferry.close();
      }
    });
  });
}
