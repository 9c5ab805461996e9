import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnthropicStreamAggregator } from './anthropic-stream-aggregator.js';
import { ChatStreamAggregator } from './chat-stream-aggregator.js';
import { IncompleteStreamError } from './incomplete-stream-error.js';
import { openaiResponseToAnthropic } from './openai-response-to-anthropic.js';
import { OpenAIStreamToAnthropic } from './openai-stream-to-anthropic.js';
import { aggregate, convertAll, fixtureEvents, payloadsOf as parsed, typesOf } from './test-fixtures.js';

const openaiFixtures = ['openai-text-stream.sse', 'openai-tool-stream.sse'];

describe('OpenAI chunks → Anthropic stream', () => {
  for (const name of openaiFixtures) {
    it(`${name}: the events aggregate to what the non-stream conversion gives`, async () => {
      const chunks = await fixtureEvents(name);
      const converter = new OpenAIStreamToAnthropic();
      const events = convertAll(chunks, converter);
      assert.equal(converter.failed, false);
      const viaStream = aggregate(events, new AnthropicStreamAggregator());
      const viaCompletion = openaiResponseToAnthropic(aggregate(chunks, new ChatStreamAggregator()));
      assert.deepEqual(viaStream, viaCompletion);
    });
  }

  it("emits Anthropic's full event sequence for the documented tool stream", async () => {
    const events = convertAll(await fixtureEvents('openai-tool-stream.sse'), new OpenAIStreamToAnthropic());
    assert.deepEqual(typesOf(events), [
      'message_start',
      'content_block_start',
      ...Array(7).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const data = parsed(events);
    assert.deepEqual(data[1], {
      type: 'content_block_start',
      index: 0,
      content_block: {
        type: 'tool_use',
        id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
        name: 'get_weather',
        input: {},
      },
    });
    assert.deepEqual(data.at(-2), {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 93,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1024,
        output_tokens: 46,
      },
    });
  });

  it('opens a new block for each of reasoning, text and each parallel tool call, closing the previous one', () => {
    const chunk = (delta: unknown, finish: string | null = null) => ({
      data: JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: finish }],
      }),
    });
    const events = convertAll(
      [
        chunk({ role: 'assistant', reasoning_content: 'Two cities.' }),
        chunk({ content: 'Checking.' }),
        chunk({
          tool_calls: [
            { index: 0, id: 'call_a', type: 'function', function: { name: 'w', arguments: '{"c":"P"}' } },
          ],
        }),
        chunk({
          tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'w', arguments: '' } }],
        }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{"c":"R"}' } }] }),
        chunk({}, 'tool_calls'),
        { data: '[DONE]' },
      ],
      new OpenAIStreamToAnthropic(),
    );
    const blocks = parsed(events)
      .filter((e) => e.type === 'content_block_start' || e.type === 'content_block_stop')
      .map((e) => `${e.type === 'content_block_start' ? 'start' : 'stop'} ${e.index}`);
    assert.deepEqual(blocks, [
      'start 0',
      'stop 0',
      'start 1',
      'stop 1',
      'start 2',
      'stop 2',
      'start 3',
      'stop 3',
    ]);
    const message = aggregate(events, new AnthropicStreamAggregator());
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'Two cities.' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_a', name: 'w', input: { c: 'P' } },
      { type: 'tool_use', id: 'call_b', name: 'w', input: { c: 'R' } },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
  });

  it('turns an OpenAI error event into an Anthropic error event and fails the stream', async () => {
    const chunks = (await fixtureEvents('openai-text-stream.sse')).slice(0, 2);
    chunks.push({
      data: JSON.stringify({
        error: { message: 'The server had an error', type: 'server_error', param: null, code: null },
      }),
    });
    const converter = new OpenAIStreamToAnthropic();
    const events = convertAll(chunks, converter);
    assert.equal(converter.failed, true);
    assert.deepEqual(events.at(-1), {
      event: 'error',
      data: JSON.stringify({
        type: 'error',
        error: { type: 'api_error', message: 'The server had an error' },
      }),
    });
    assert.ok(!events.some((e) => e.event === 'message_stop'));
  });

  it('ends a stream cut before [DONE] with an error event, never message_stop', async () => {
    const converter = new OpenAIStreamToAnthropic();
    const events = convertAll((await fixtureEvents('openai-tool-stream.sse')).slice(0, 4), converter);
    assert.equal(converter.failed, true);
    assert.equal(events.at(-1)?.event, 'error');
    assert.throws(() => aggregate(events, new AnthropicStreamAggregator()), IncompleteStreamError);
  });
});
