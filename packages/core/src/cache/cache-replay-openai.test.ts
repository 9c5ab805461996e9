import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { eventually, startGatewayServer, startRawUpstream } from '../testing/index.js';

// A stream as a reasoning model with tools sends it: reasoning deltas, content deltas, a tool
// call whose arguments arrive in pieces, the finish chunk, the usage chunk, [DONE].
const head = {
  id: 'chatcmpl-replay',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
};
const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const upstreamStream = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ reasoning_content: 'The user wants ' }),
  chunk({ reasoning_content: 'the weather.' }),
  chunk({ content: 'Let me check ' }),
  chunk({ content: 'that — 天气.' }),
  chunk({
    tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  chunk({}, 'tool_calls'),
  `data: ${JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } })}\n\n`,
  'data: [DONE]\n\n',
].join('');

/** A raw upstream that answers every request with the stream above and counts the calls. */
async function startStreamingUpstream() {
  let calls = 0;
  const raw = await startRawUpstream((_request, response) => {
    calls++;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(upstreamStream);
  });
  return { url: raw.url, close: () => raw.close(), calls: () => calls };
}

describe('cache replay through the openai client', () => {
  it('a streamed hit assembles to exactly what the miss assembled: content, reasoning, tool calls', async () => {
    const upstream = await startStreamingUpstream();
    const ferry = await startGatewayServer({
      upstream: { url: upstream.url, local: true },
      clientKeys: ['sk-test'],
      cache: { toolCalls: true },
    });
    const client = new OpenAI({ baseURL: ferry.url, apiKey: 'sk-test', maxRetries: 0 });
    const request = {
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
      tools: [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } }],
    };
    const assemble = async () => {
      const stream = client.beta.chat.completions.stream({
        ...request,
        stream_options: { include_usage: true },
      });
      const deltas: unknown[] = [];
      stream.on('chunk', (part) => deltas.push(part.choices[0]?.delta));
      return { completion: await stream.finalChatCompletion(), deltas };
    };
    try {
      const miss = await assemble();
      await eventually(async () => {
        const { response } = await client.chat.completions.create(request).withResponse();
        return response.headers.get('x-ferry-cache') === 'hit';
      });
      const callsAfterMiss = upstream.calls();
      const hit = await assemble();
      assert.equal(upstream.calls(), callsAfterMiss, 'the streamed hit made no upstream call');
      // The SDK keeps only the last delta of a field it does not know (reasoning_content), so
      // the reasoning is compared as the deltas joined; everything else as the SDK assembled it.
      const reasoning = (deltas: unknown[]) =>
        deltas
          .map((delta) => (delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '')
          .join('');
      assert.equal(reasoning(hit.deltas), reasoning(miss.deltas));
      assert.equal(reasoning(hit.deltas), 'The user wants the weather.');
      const withoutReasoning = (completion: typeof hit.completion) =>
        JSON.parse(
          JSON.stringify(completion, (key, value) => (key === 'reasoning_content' ? undefined : value)),
        );
      assert.deepEqual(withoutReasoning(hit.completion), withoutReasoning(miss.completion));
      const message = hit.completion.choices[0]?.message as unknown as Record<string, unknown>;
      assert.equal(message.content, 'Let me check that — 天气.');
      assert.deepEqual(hit.completion.choices[0]?.message.tool_calls, [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      ]);
      assert.deepEqual(hit.completion.usage, { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 });
      // The JSON hit is the same answer.
      const json = await client.chat.completions.create(request);
      assert.deepEqual(json.choices[0]?.message.tool_calls, hit.completion.choices[0]?.message.tool_calls);
      assert.equal(json.choices[0]?.finish_reason, 'tool_calls');
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });

  it('answers with tool calls are not cached unless cache.toolCalls is set', async () => {
    const upstream = await startStreamingUpstream();
    const ferry = await startGatewayServer({ upstream: { url: upstream.url, local: true }, cache: {} });
    const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
    try {
      const request = {
        model: 'gpt-4o-mini',
        temperature: 0,
        messages: [{ role: 'user' as const, content: 'x' }],
      };
      for (let index = 0; index < 3; index++) {
        const { response } = await client.chat.completions
          .create({ ...request, stream: true })
          .withResponse();
        assert.equal(response.headers.get('x-ferry-cache'), 'miss');
        await response.text();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(upstream.calls(), 3);
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });
});
