import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicResponseToOpenAI } from './anthropic-response-to-openai.js';
import { AnthropicStreamAggregator } from './anthropic-stream-aggregator.js';
import { AnthropicStreamToOpenAI } from './anthropic-stream-to-openai.js';
import { ChatStreamAggregator } from './chat-stream-aggregator.js';
import { IncompleteStreamError } from './incomplete-stream-error.js';
import type { ChatCompletion } from './openai-chat-types.js';
import type { SseEvent } from './sse-message.js';
import { aggregate, convertAll, fixtureEvents, payloadsOf as parsed } from './test-fixtures.js';

const created = 1700000000;
const anthropicFixtures = [
  'anthropic-text-stream.sse',
  'anthropic-tool-stream.sse',
  'anthropic-thinking-stream.sse',
];
const event = (name: string, data: unknown): SseEvent => ({ event: name, data: JSON.stringify(data) });
// The stream carries the upstream's argument text, the non-stream conversion re-serialises it.
const sameArguments = (completion: ChatCompletion) => {
  for (const choice of completion.choices) {
    for (const call of choice.message.tool_calls ?? [])
      call.function.arguments = JSON.stringify(JSON.parse(call.function.arguments));
  }
  return completion;
};

describe('Anthropic stream → OpenAI chunks', () => {
  for (const name of anthropicFixtures) {
    it(`${name}: the chunks aggregate to what the non-stream conversion gives`, async () => {
      const events = await fixtureEvents(name);
      const converter = new AnthropicStreamToOpenAI({ includeUsage: true, created });
      const chunks = convertAll(events, converter);
      assert.equal(converter.failed, false);
      assert.equal(chunks.at(-1)?.data, '[DONE]');
      const viaStream = aggregate(chunks, new ChatStreamAggregator());
      const viaMessage = anthropicResponseToOpenAI(aggregate(events, new AnthropicStreamAggregator()), {
        created,
      });
      assert.deepEqual(sameArguments(viaStream), viaMessage);
    });
  }

  it('maps the documented tool stream: role first, text, one tool call with its argument pieces, tool_calls, usage', async () => {
    const chunks = convertAll(
      await fixtureEvents('anthropic-tool-stream.sse'),
      new AnthropicStreamToOpenAI({ includeUsage: true, created }),
    );
    const completion = aggregate(chunks, new ChatStreamAggregator());
    assert.deepEqual(completion.choices[0]?.message.tool_calls, [
      {
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        type: 'function',
        function: {
          name: 'get_weather',
          arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}',
        },
      },
    ]);
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(completion.usage, {
      prompt_tokens: 472,
      completion_tokens: 89,
      total_tokens: 561,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    const first = parsed(chunks)[0] as { choices: Array<{ delta: unknown }> };
    assert.deepEqual(first.choices[0]?.delta, { role: 'assistant', content: '' });
  });

  it('message_delta usage is cumulative: the last value wins, never the sum', () => {
    const converter = new AnthropicStreamToOpenAI({ includeUsage: true, created });
    const chunks = convertAll(
      [
        event('message_start', {
          type: 'message_start',
          message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 100, output_tokens: 1 } },
        }),
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: null },
          usage: { output_tokens: 10 },
        }),
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { output_tokens: 25 },
        }),
        event('message_stop', { type: 'message_stop' }),
      ],
      converter,
    );
    assert.deepEqual(aggregate(chunks, new ChatStreamAggregator()).usage, {
      prompt_tokens: 100,
      completion_tokens: 25,
      total_tokens: 125,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it('input tokens sent only in message_delta (some compatible providers) are taken from there', () => {
    const chunks = convertAll(
      [
        event('message_start', {
          type: 'message_start',
          message: { id: 'msg_1', model: 'glm', usage: { input_tokens: 0, output_tokens: 0 } },
        }),
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { input_tokens: 849, cache_read_input_tokens: 49, output_tokens: 47 },
        }),
        event('message_stop', { type: 'message_stop' }),
      ],
      new AnthropicStreamToOpenAI({ includeUsage: true, created }),
    );
    assert.deepEqual(aggregate(chunks, new ChatStreamAggregator()).usage, {
      prompt_tokens: 898,
      completion_tokens: 47,
      total_tokens: 945,
      prompt_tokens_details: { cached_tokens: 49 },
    });
  });

  it('message_delta repeating input_tokens as 0 does not erase the count from message_start', () => {
    const chunks = convertAll(
      [
        event('message_start', {
          type: 'message_start',
          message: {
            id: 'm',
            model: 'c',
            usage: { input_tokens: 30, cache_creation_input_tokens: 5, output_tokens: 1 },
          },
        }),
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { input_tokens: 0, output_tokens: 4 },
        }),
        event('message_stop', { type: 'message_stop' }),
      ],
      new AnthropicStreamToOpenAI({ includeUsage: true, created }),
    );
    assert.equal(aggregate(chunks, new ChatStreamAggregator()).usage?.prompt_tokens, 35);
  });

  it('leaves the usage chunk out unless include_usage was asked for', async () => {
    const chunks = convertAll(
      await fixtureEvents('anthropic-text-stream.sse'),
      new AnthropicStreamToOpenAI({ created }),
    );
    assert.ok(parsed(chunks).every((chunk) => !('usage' in chunk)));
  });

  it('end_turn after a tool_use block is reported as tool_calls, never a plain stop', async () => {
    const events = (await fixtureEvents('anthropic-tool-stream.sse')).map((e) => ({
      ...e,
      data: e.data.replace('"stop_reason":"tool_use"', '"stop_reason":"end_turn"'),
    }));
    const completion = aggregate(
      convertAll(events, new AnthropicStreamToOpenAI({ created })),
      new ChatStreamAggregator(),
    );
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
  });

  it('turns an error event into an OpenAI error event and fails the stream, without [DONE]', async () => {
    const events = (await fixtureEvents('anthropic-text-stream.sse')).slice(0, 4);
    events.push({
      event: 'error',
      data: '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
    });
    const converter = new AnthropicStreamToOpenAI({ created });
    const chunks = convertAll(events, converter);
    assert.equal(converter.failed, true);
    assert.deepEqual(JSON.parse(chunks.at(-1)?.data ?? ''), {
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
    assert.ok(!chunks.some((chunk) => chunk.data === '[DONE]'));
  });

  it('ends a stream cut before message_stop with an error event, never [DONE]', async () => {
    const converter = new AnthropicStreamToOpenAI({ created });
    const chunks = convertAll((await fixtureEvents('anthropic-tool-stream.sse')).slice(0, 20), converter);
    assert.equal(converter.failed, true);
    assert.equal(
      (JSON.parse(chunks.at(-1)?.data ?? '') as { error: { code: string } }).error.code,
      'upstream_stream_incomplete',
    );
    assert.throws(() => aggregate(chunks, new ChatStreamAggregator()), IncompleteStreamError);
  });
});
