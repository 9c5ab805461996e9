import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors.js';
import { anthropicResponseToOpenAI } from './anthropic-response-to-openai.js';
import type { AnthropicMessage } from './anthropic-types.js';
import type { ChatCompletion } from './openai-chat-types.js';
import { openaiResponseToAnthropic } from './openai-response-to-anthropic.js';
import { fixtureJson } from './test-fixtures.js';

describe('Anthropic response → OpenAI response', () => {
  it('converts the documented message: text, stop reason, usage with cache reads and writes (golden)', () => {
    const completion = anthropicResponseToOpenAI(fixtureJson('anthropic-message.json'), {
      created: 1741570283,
    });
    assert.deepEqual(completion, {
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      created: 1741570283,
      model: 'claude-opus-4-6',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      // 2095 uncached + 2051 read + 2051 written; only the reads are "cached".
      usage: {
        prompt_tokens: 6197,
        completion_tokens: 503,
        total_tokens: 6700,
        prompt_tokens_details: { cached_tokens: 2051 },
      },
    });
    assert.deepEqual(Object.keys(completion), ['id', 'object', 'created', 'model', 'choices', 'usage']);
  });

  it('converts the documented tool_use answer into tool_calls, ids kept, finish_reason tool_calls', () => {
    const completion = anthropicResponseToOpenAI(fixtureJson('anthropic-tool-use-message.json'), {
      created: 1,
    });
    assert.deepEqual(completion.choices[0], {
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        refusal: null,
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('puts thinking into reasoning_content and reports end_turn with tool calls as tool_calls', () => {
    const message: AnthropicMessage = {
      ...fixtureJson<AnthropicMessage>('anthropic-tool-use-message.json'),
      stop_reason: 'end_turn',
    };
    message.content.unshift({ type: 'thinking', thinking: 'The user wants SF.', signature: 'sig' });
    const completion = anthropicResponseToOpenAI(message);
    assert.equal(completion.choices[0]?.message.reasoning_content, 'The user wants SF.');
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
  });
});

describe('OpenAI response → Anthropic response', () => {
  it('converts the documented chat.completion (golden)', () => {
    assert.deepEqual(openaiResponseToAnthropic(fixtureJson('openai-chat-completion.json')), {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-2024-08-06',
      content: [
        {
          type: 'text',
          text: fixtureJson<ChatCompletion>('openai-chat-completion.json').choices[0]?.message.content,
        },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 1117,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 46,
      },
    });
  });

  it('gives back the documented tool_use answer after a round trip through OpenAI', () => {
    const message = fixtureJson<AnthropicMessage>('anthropic-tool-use-message.json');
    const back = openaiResponseToAnthropic(anthropicResponseToOpenAI(message));
    assert.deepEqual(back, {
      ...message,
      usage: { ...message.usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('turns a refusal into a text block with stop_reason refusal, and reasoning into a thinking block', () => {
    const completion = fixtureJson<ChatCompletion>('openai-chat-completion.json');
    const choice = completion.choices[0];
    assert.ok(choice);
    choice.message = {
      role: 'assistant',
      content: null,
      refusal: "I can't help with that.",
      reasoning_content: 'Unsafe.',
    };
    const message = openaiResponseToAnthropic(completion);
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'Unsafe.', signature: '' },
      { type: 'text', text: "I can't help with that." },
    ]);
    assert.equal(message.stop_reason, 'refusal');
  });

  it('answers 502 for tool arguments that are not a JSON object, instead of inventing an input', () => {
    const completion = fixtureJson<ChatCompletion>('openai-chat-completion.json');
    const choice = completion.choices[0];
    assert.ok(choice);
    choice.message.tool_calls = [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"cut' } }];
    assert.throws(
      () => openaiResponseToAnthropic(completion),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.status === 502 &&
        error.code === 'invalid_upstream_tool_arguments',
    );
  });
});
