import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors.js';
import { anthropicRequestToOpenAI } from './anthropic-request-to-openai.js';
import type { AnthropicRequest } from './anthropic-types.js';
import type { ChatRequest } from './openai-chat-types.js';
import { openaiRequestToAnthropic } from './openai-request-to-anthropic.js';
import { fixtureJson } from './test-fixtures.js';

const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};

// Every mapped field at once: system blocks, both image sources, parallel tool use, two results.
const full: AnthropicRequest = {
  model: 'claude-sonnet-4-5',
  max_tokens: 512,
  system: [
    { type: 'text', text: 'You are a weather bot.' },
    { type: 'text', text: 'Answer in one line.' },
  ],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg' } },
        {
          type: 'image',
          source: {
            type: 'url',
            url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg',
          },
        },
        { type: 'text', text: 'Weather in Paris and Rome?' },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { location: 'Rome' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: '15 degrees' },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '21 degrees' }] },
        { type: 'text', text: 'Thanks!' },
      ],
    },
  ],
  stop_sequences: ['\n\nHuman:'],
  temperature: 0.2,
  top_p: 0.9,
  metadata: { user_id: 'user-42' },
  tools: [weatherTool],
  tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
};

describe('Anthropic request → OpenAI request', () => {
  it('converts the documented tool-use conversation (golden)', () => {
    assert.deepEqual(
      anthropicRequestToOpenAI(fixtureJson('anthropic-tool-request.json')),
      fixtureJson('anthropic-tool-request.openai.json'),
    );
  });

  it('maps system blocks, images, parallel tool calls as ONE message, tool results in order, and the parameters', () => {
    assert.deepEqual(anthropicRequestToOpenAI(full), {
      model: 'claude-sonnet-4-5',
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'You are a weather bot.' },
            { type: 'text', text: 'Answer in one line.' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg' } },
            {
              type: 'image_url',
              image_url: {
                url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg',
              },
            },
            { type: 'text', text: 'Weather in Paris and Rome?' },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
            },
            {
              id: 'toolu_2',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Rome"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '15 degrees' },
        { role: 'tool', tool_call_id: 'toolu_2', content: '21 degrees' },
        { role: 'user', content: 'Thanks!' },
      ],
      max_tokens: 512,
      stop: ['\n\nHuman:'],
      temperature: 0.2,
      top_p: 0.9,
      user: 'user-42',
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: weatherTool.description,
            parameters: weatherTool.input_schema,
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
  });

  it('maps tool_choice auto/any/tool/none to auto/required/{function}/none', () => {
    const choice = (tool_choice: AnthropicRequest['tool_choice']) =>
      anthropicRequestToOpenAI({ model: 'm', max_tokens: 1, messages: [], tools: [weatherTool], tool_choice })
        .tool_choice;
    assert.equal(choice({ type: 'auto' }), 'auto');
    assert.equal(choice({ type: 'any' }), 'required');
    assert.deepEqual(choice({ type: 'tool', name: 'get_weather' }), {
      type: 'function',
      function: { name: 'get_weather' },
    });
    assert.equal(choice({ type: 'none' }), 'none');
  });

  it('drops thinking blocks of earlier turns and refuses server tools and unknown blocks with a 400', () => {
    const withThinking = anthropicRequestToOpenAI({
      model: 'm',
      max_tokens: 1,
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hm', signature: 's' },
            { type: 'text', text: 'Hi' },
          ],
        },
      ],
    });
    assert.deepEqual(withThinking.messages, [{ role: 'assistant', content: 'Hi' }]);
    const refused = (request: AnthropicRequest, param: string) =>
      assert.throws(
        () => anthropicRequestToOpenAI(request),
        (error: unknown) => error instanceof GatewayError && error.status === 400 && error.param === param,
      );
    refused(
      {
        model: 'm',
        max_tokens: 1,
        messages: [],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      },
      'tools[0]',
    );
    refused(
      {
        model: 'm',
        max_tokens: 1,
        messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }],
      },
      'messages[0].content',
    );
  });
});

describe('OpenAI request → Anthropic request', () => {
  it('converts the documented function-calling request (golden)', () => {
    assert.deepEqual(
      openaiRequestToAnthropic(fixtureJson('openai-tool-request.json')),
      fixtureJson('openai-tool-request.anthropic.json'),
    );
  });

  it('gives back the Anthropic request it came from (round trip of every mapped field)', () => {
    const back = structuredClone(full);
    // The only difference: a tool result's text blocks come back as the same text, as a string.
    const results = back.messages[2]?.content as Array<{ content?: unknown }>;
    (results[1] as { content: unknown }).content = '21 degrees';
    assert.deepEqual(openaiRequestToAnthropic(anthropicRequestToOpenAI(full)), back);
  });

  it('hoists system and developer messages, merges tool messages into one user turn, keeps ids', () => {
    const request: ChatRequest = {
      model: 'claude',
      max_completion_tokens: 100,
      stop: 'END',
      temperature: 1.5,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
            { id: 'call_2', type: 'function', function: { name: 'b', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'one' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'two' }] },
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo' } }],
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
    };
    assert.deepEqual(openaiRequestToAnthropic(request), {
      model: 'claude',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'a', input: { x: 1 } },
            { type: 'tool_use', id: 'call_2', name: 'b', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'one' },
            { type: 'tool_result', tool_use_id: 'call_2', content: 'two' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo' } },
          ],
        },
      ],
      system: 'Be brief.',
      stop_sequences: ['END'],
      temperature: 1,
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
  });

  it('maps tool_choice auto/required/{function}/none to auto/any/tool/none', () => {
    const choice = (tool_choice: ChatRequest['tool_choice']) =>
      openaiRequestToAnthropic({ model: 'm', messages: [], tool_choice }).tool_choice;
    assert.deepEqual(choice('auto'), { type: 'auto' });
    assert.deepEqual(choice('required'), { type: 'any' });
    assert.deepEqual(choice({ type: 'function', function: { name: 'f' } }), { type: 'tool', name: 'f' });
    assert.deepEqual(choice('none'), { type: 'none' });
  });

  it('refuses n > 1, audio parts and tool arguments that are not a JSON object, with a 400', () => {
    const refused = (request: ChatRequest) =>
      assert.throws(
        () => openaiRequestToAnthropic(request),
        (error: unknown) => error instanceof GatewayError && error.status === 400,
      );
    refused({ model: 'm', n: 2, messages: [] });
    refused({
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] },
      ],
    });
    refused({
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }],
        },
      ],
    });
  });
});
