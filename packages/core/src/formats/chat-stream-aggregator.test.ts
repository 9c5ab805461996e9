import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatCompletionToChunks } from './chat-completion-to-chunks.js';
import { ChatStreamAggregator } from './chat-stream-aggregator.js';
import { IncompleteStreamError } from './incomplete-stream-error.js';
import type { ChatCompletion } from './openai-chat-types.js';
import type { SseEvent } from './sse-message.js';
import { aggregate, fixtureEvents, fixtureJson } from './test-fixtures.js';

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): SseEvent => ({
  data: JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 7,
    model: 'm',
    choices,
    ...extra,
  }),
});
const done: SseEvent = { data: '[DONE]' };

describe('ChatStreamAggregator', () => {
  it('aggregates the documented chunk examples into the chat.completion, keys in OpenAI order', async () => {
    const completion = aggregate(await fixtureEvents('openai-text-stream.sse'), new ChatStreamAggregator());
    assert.deepEqual(completion, {
      id: 'chatcmpl-123',
      object: 'chat.completion',
      created: 1694268190,
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      system_fingerprint: 'fp_44709d6fcb',
    });
    assert.deepEqual(Object.keys(completion), [
      'id',
      'object',
      'created',
      'model',
      'choices',
      'system_fingerprint',
    ]);
  });

  it('joins the documented tool-call deltas by index: id, type and name once, arguments concatenated', async () => {
    const completion = aggregate(await fixtureEvents('openai-tool-stream.sse'), new ChatStreamAggregator());
    assert.deepEqual(completion.choices[0]?.message, {
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [
        {
          id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' },
        },
      ],
    });
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(completion.usage?.prompt_tokens, 1117);
    assert.equal(completion.usage?.prompt_tokens_details?.cached_tokens, 1024);
    assert.deepEqual(Object.keys(completion), [
      'id',
      'object',
      'created',
      'model',
      'choices',
      'usage',
      'system_fingerprint',
    ]);
  });

  it('keeps n > 1 choices apart by index, with their own finish reasons, in index order', () => {
    const events = [
      chunk([{ index: 1, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { role: 'assistant', content: 'A' }, finish_reason: null }]),
      chunk([
        { index: 1, delta: { content: 'B' }, finish_reason: null },
        { index: 0, delta: { content: 'a' }, finish_reason: null },
      ]),
      chunk([{ index: 0, delta: {}, finish_reason: 'length' }]),
      chunk([{ index: 1, delta: {}, finish_reason: 'stop' }]),
      done,
    ];
    const completion = aggregate(events, new ChatStreamAggregator());
    assert.deepEqual(
      completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason]),
      [
        [0, 'Aa', 'length'],
        [1, 'B', 'stop'],
      ],
    );
  });

  it('collects refusal, reasoning_content and reasoning under the names the upstream used', () => {
    const events = [
      chunk([{ index: 0, delta: { role: 'assistant', reasoning_content: 'Think ' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { reasoning_content: 'hard.', reasoning: 'R' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { refusal: "I can't" }, finish_reason: null }]),
      chunk([{ index: 0, delta: { refusal: ' help.' }, finish_reason: 'stop' }]),
      done,
    ];
    assert.deepEqual(aggregate(events, new ChatStreamAggregator()).choices[0]?.message, {
      role: 'assistant',
      content: null,
      refusal: "I can't help.",
      reasoning_content: 'Think hard.',
      reasoning: 'R',
    });
  });

  it('concatenates logprobs when the stream carries them', () => {
    const token = (text: string) => ({
      token: text,
      logprob: -0.1,
      bytes: [...Buffer.from(text)],
      top_logprobs: [],
    });
    const events = [
      chunk([
        {
          index: 0,
          delta: { content: 'Hi' },
          logprobs: { content: [token('Hi')], refusal: null },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: { content: '!' },
          logprobs: { content: [token('!')], refusal: null },
          finish_reason: 'stop',
        },
      ]),
      done,
    ];
    assert.deepEqual(aggregate(events, new ChatStreamAggregator()).choices[0]?.logprobs, {
      content: [token('Hi'), token('!')],
      refusal: null,
    });
  });

  it('takes usage from the usage chunk, not the null usage of the other chunks, and keeps service_tier', () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const events = [
      chunk([{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }], {
        usage: null,
        service_tier: 'default',
      }),
      chunk([], { usage, service_tier: 'default' }),
      done,
    ];
    const completion = aggregate(events, new ChatStreamAggregator());
    assert.deepEqual(completion.usage, usage);
    assert.equal(completion.service_tier, 'default');
  });

  it('reports a stream without [DONE] as incomplete, with what came so far as partial, never as success', async () => {
    const events = (await fixtureEvents('openai-text-stream.sse')).slice(0, 2);
    assert.throws(
      () => aggregate(events, new ChatStreamAggregator()),
      (error: unknown) =>
        error instanceof IncompleteStreamError &&
        error.reason === 'cut' &&
        error.code === 'upstream_stream_incomplete' &&
        error.status === 502 &&
        (error.partial as ChatCompletion).choices[0]?.message.content === 'Hello',
    );
  });

  it('reports a stream that carried an error event as failed, even when [DONE] follows', () => {
    const events = [
      chunk([{ index: 0, delta: { content: 'x' }, finish_reason: null }]),
      { data: JSON.stringify({ error: { message: 'boom', type: 'server_error', param: null, code: null } }) },
      done,
    ];
    assert.throws(
      () => aggregate(events, new ChatStreamAggregator()),
      (error: unknown) => error instanceof IncompleteStreamError && error.reason === 'upstream_error',
    );
  });

  it('ignores what comes after [DONE]', () => {
    const events = [
      chunk([{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }]),
      done,
      chunk([{ index: 0, delta: { content: 'late' }, finish_reason: null }]),
    ];
    assert.equal(aggregate(events, new ChatStreamAggregator()).choices[0]?.message.content, 'x');
  });

  it('gives back the documented chat.completion after chatCompletionToChunks (round trip)', () => {
    const completion = fixtureJson<ChatCompletion>('openai-chat-completion.json');
    const events = chatCompletionToChunks(completion, { includeUsage: true, maxChunkChars: 7 });
    assert.deepEqual(aggregate(events, new ChatStreamAggregator()), completion);
  });
});
