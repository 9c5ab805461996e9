import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatCompletionToChunks } from './chat-completion-to-chunks.js';
import type { ChatCompletion } from './openai-chat-types.js';
import { encodeSseEvents, parseSseText } from './sse-message.js';
import { fixtureJson } from './test-fixtures.js';

const toolAnswer: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4.1',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Checking.',
        refusal: null,
        tool_calls: [
          {
            id: 'call_a',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
          },
          { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"zone":"CET"}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
};

const payloads = (completion: ChatCompletion, includeUsage: boolean) =>
  chatCompletionToChunks(completion, { includeUsage }).map((event) =>
    event.data === '[DONE]' ? '[DONE]' : (JSON.parse(event.data) as Record<string, unknown>),
  );

describe('chatCompletionToChunks', () => {
  it('emits role, content, tool calls, finish_reason, usage (asked for), then [DONE]', () => {
    const chunks = payloads(toolAnswer, true);
    const deltas = chunks.map((chunk) =>
      chunk === '[DONE]' ? chunk : ((chunk.choices as Array<{ delta: unknown }>)[0]?.delta ?? 'usage'),
    );
    assert.deepEqual(deltas, [
      { role: 'assistant', content: '' },
      { content: 'Checking.' },
      {
        tool_calls: [
          {
            index: 0,
            id: 'call_a',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      },
      {
        tool_calls: [
          {
            index: 1,
            id: 'call_b',
            type: 'function',
            function: { name: 'get_time', arguments: '{"zone":"CET"}' },
          },
        ],
      },
      {},
      'usage',
      '[DONE]',
    ]);
    const finish = chunks[4] as { choices: Array<{ finish_reason: string }> };
    assert.equal(finish.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual((chunks[5] as { usage: unknown }).usage, toolAnswer.usage);
  });

  it('leaves the usage chunk out when the client did not ask for include_usage', () => {
    const chunks = payloads(toolAnswer, false);
    assert.equal(chunks.length, 6);
    assert.ok(chunks.every((chunk) => chunk === '[DONE]' || !('usage' in chunk)));
  });

  it('gives every chunk the answer id, created, model and system_fingerprint, as chat.completion.chunk', () => {
    const completion = fixtureJson<ChatCompletion>('openai-chat-completion.json');
    for (const chunk of payloads(completion, true)) {
      if (chunk === '[DONE]') continue;
      assert.equal(chunk.id, completion.id);
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.created, completion.created);
      assert.equal(chunk.model, completion.model);
      assert.equal(chunk.system_fingerprint, 'fp_fc9f1d7035');
    }
  });

  it('splits content at code points, never inside a character, when maxChunkChars is set', () => {
    const answer = structuredClone(toolAnswer);
    const choice = answer.choices[0];
    assert.ok(choice);
    choice.message = { role: 'assistant', content: 'a😀b你c', refusal: null };
    choice.finish_reason = 'stop';
    const contents = chatCompletionToChunks(answer, { maxChunkChars: 2 })
      .filter((event) => event.data !== '[DONE]')
      .map(
        (event) =>
          (JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta
            .content,
      )
      .filter((content) => content !== undefined && content !== '');
    assert.deepEqual(contents, ['a😀', 'b你', 'c']);
  });

  it('encodes as SSE text that parses back to the same events', async () => {
    const events = chatCompletionToChunks(toolAnswer, { includeUsage: true });
    const text = encodeSseEvents(events);
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.deepEqual(await parseSseText(text), events);
  });
});
