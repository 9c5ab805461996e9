import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureLogs, type GatewayWithMock, send, startGatewayWithMock } from '../testing/index.js';
import type { GatewayContext, Usage } from '../types.js';
import { usageFromTail } from './usage-tap.js';

describe('usageFromTail', () => {
  it('reads chat completion usage and the cached prompt tokens, ignoring the other *_details', () => {
    const tail =
      '"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,' +
      '"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":4}}}';
    assert.deepEqual(usageFromTail(tail), {
      promptTokens: 19,
      completionTokens: 10,
      totalTokens: 29,
      cachedPromptTokens: 3,
      source: 'upstream',
    });
  });

  it('reads the pretty-printed usage of a non-stream OpenAI body', () => {
    const tail =
      '  "usage": {\n    "prompt_tokens": 12,\n    "completion_tokens": 7,\n    "total_tokens": 19\n  }\n}';
    assert.deepEqual(usageFromTail(tail), {
      promptTokens: 12,
      completionTokens: 7,
      totalTokens: 19,
      source: 'upstream',
    });
  });

  it('reads the Responses API field names', () => {
    const tail =
      '"usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,' +
      '"output_tokens_details":{"reasoning_tokens":0},"total_tokens":123},"user":null}}\n\n';
    assert.deepEqual(usageFromTail(tail), {
      promptTokens: 36,
      completionTokens: 87,
      totalTokens: 123,
      cachedPromptTokens: 0,
      source: 'upstream',
    });
  });

  it('reads embeddings usage (no completion tokens)', () => {
    assert.deepEqual(usageFromTail('"model":"e","usage":{"prompt_tokens":5,"total_tokens":5}}'), {
      promptTokens: 5,
      completionTokens: 0,
      totalTokens: 5,
      source: 'upstream',
    });
  });

  it('computes the total when the upstream leaves it out', () => {
    assert.equal(usageFromTail('"usage":{"prompt_tokens":5,"completion_tokens":2}')?.totalTokens, 7);
  });

  it('takes the last usage object of a stream and skips "usage":null', () => {
    const tail =
      'data: {"choices":[{"delta":{}}],"usage":null}\n\n' +
      'data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}\n\ndata: [DONE]\n\n';
    assert.equal(usageFromTail(tail)?.totalTokens, 6);
  });

  it('returns undefined without a usable usage object', () => {
    assert.equal(usageFromTail('data: {"choices":[],"usage":null}\n\ndata: [DONE]\n\n'), undefined);
    assert.equal(usageFromTail('{"usage":{"unrelated":1}}'), undefined);
    assert.equal(usageFromTail('{"content":"\\"usage\\":{\\"prompt_tokens\\":3}"}'), undefined);
    assert.equal(usageFromTail(''), undefined);
  });
});

describe('usage tap through the gateway', () => {
  let ferry: GatewayWithMock;
  const reported: Array<{ usage: Usage; context: GatewayContext }> = [];
  before(async () => {
    ferry = await startGatewayWithMock(
      { onUsage: (usage, context) => reported.push({ usage, context }) },
      { chunks: 4, content: 'abcdefgh' },
    );
  });
  after(() => ferry.close());

  const nextReport = async (count: number) => {
    // onUsage runs when the body ends, which is before the client sees the end of the response.
    assert.equal(reported.length, count);
    return reported.at(-1)!;
  };

  it('records the usage of a non-stream chat completion', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    const upstreamUsage = (answer.json as { usage: { prompt_tokens: number } }).usage;
    const { usage, context } = await nextReport(1);
    assert.deepEqual(usage, {
      promptTokens: upstreamUsage.prompt_tokens,
      completionTokens: 4,
      totalTokens: upstreamUsage.prompt_tokens + 4,
      source: 'upstream',
    });
    assert.equal(context.usage, usage);
  });

  it('records the usage of a stream whose client asked for it', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      },
    });
    assert.match(answer.text, /"choices":\[\],"usage":\{/);
    const { usage } = await nextReport(2);
    assert.equal(usage.completionTokens, 4);
    assert.equal(usage.totalTokens, usage.promptTokens + 4);
  });

  it('records embeddings and Responses API usage', async () => {
    await send(`${ferry.url}/embeddings`, { body: { model: 'text-embedding-3-small', input: 'hello' } });
    const embedding = await nextReport(3);
    assert.equal(embedding.usage.completionTokens, 0);
    assert.ok(embedding.usage.promptTokens > 0);
    await send(`${ferry.url}/responses`, { body: { model: 'gpt-4o-mini', input: 'hello', stream: true } });
    const responses = await nextReport(4);
    assert.equal(responses.usage.completionTokens, 4);
  });

  it('reports nothing for a stream without usage, and nothing for an upstream error', async () => {
    await send(`${ferry.url}/chat/completions`, {
      body: { model: 'gpt-4o-mini', messages: [], stream: true },
    });
    await send(`${ferry.url}/chat/completions`, {
      headers: { 'x-mock-fault': 'status=500' },
      body: { model: 'gpt-4o-mini', messages: [] },
    });
    assert.equal(reported.length, 4);
  });
});

describe('an onUsage callback that throws', () => {
  it('changes nothing for the client and is logged', async () => {
    const logs = captureLogs();
    const ferry = await startGatewayWithMock(
      {
        logger: logs.logger,
        onUsage: () => {
          throw new Error('accounting is down');
        },
      },
      { chunks: 3 },
    );
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-request-id': 'throwing-on-usage' },
        body: { model: 'm', messages: [], stream: true, stream_options: { include_usage: true } },
      });
      assert.equal(answer.status, 200);
      assert.match(answer.text, /data: \[DONE\]\n\n$/);
      const line = await logs.waitFor(
        (entry) => entry.requestId === 'throwing-on-usage' && 'status' in entry,
      );
      assert.equal(line.status, 200);
      assert.equal(line.error, undefined);
      assert.ok(logs.entries().some((entry) => /onUsage/.test(String(entry.msg))));
    } finally {
      await ferry.close();
    }
  });
});
