// @internal Test data: one turn with two parallel tool calls and their results, in both APIs' shapes.
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';

const question = 'Weather in Paris and Rome?';

/** The turn as Chat Completions messages: one assistant message with both calls, one tool message each. */
export const chatToolTurn: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: question },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'toolu_a', content: 'sunny' },
  { role: 'tool', tool_call_id: 'toolu_b', content: 'rain' },
];

/** The same turn as Messages: `tool_use` blocks of one assistant turn, `tool_result` blocks of one user turn. */
export const anthropicToolTurn: Anthropic.MessageParam[] = [
  { role: 'user', content: question },
  {
    role: 'assistant',
    content: [
      { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: { city: 'Rome' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_a', content: 'sunny' },
      { type: 'tool_result', tool_use_id: 'toolu_b', content: 'rain' },
    ],
  },
];
