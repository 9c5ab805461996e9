import { GatewayError } from '../errors.js';
import { isObject } from '../filter/sse-event.js';
import type { AnthropicContentBlock, AnthropicMessage } from './anthropic-types.js';
import type { ChatCompletion } from './openai-chat-types.js';
import { openaiFinishToAnthropic } from './stop-reasons.js';
import { openaiUsageToAnthropic } from './usage-mapping.js';

/**
 * A `chat.completion` (its first choice) as an Anthropic answer: reasoning (`reasoning_content`
 * or `reasoning`) as a thinking block with an empty signature, content and refusal as text
 * blocks, `tool_calls` as `tool_use` blocks (ids kept, arguments parsed), the finish reason
 * (`refusal` when the answer is a refusal) and usage mapped. Lost: logprobs, annotations,
 * `system_fingerprint`, `created`, other choices (the request conversion refuses `n > 1`).
 * Tool arguments that are not a JSON object give a 502: silently replacing a tool's input would
 * make the client run it with other arguments.
 *
 * @example
 * openaiResponseToAnthropic(completion).stop_reason; // 'end_turn'
 */
export function openaiResponseToAnthropic(completion: ChatCompletion): AnthropicMessage {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: AnthropicContentBlock[] = [];
  const reasoning = message?.reasoning_content ?? message?.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') {
    content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  }
  if (typeof message?.content === 'string' && message.content !== '')
    content.push({ type: 'text', text: message.content });
  const refused = typeof message?.refusal === 'string' && message.refusal !== '';
  if (refused) content.push({ type: 'text', text: message?.refusal as string });
  const calls = message?.tool_calls ?? [];
  for (const call of calls) {
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: inputOf(call.function.arguments),
    });
  }
  return {
    id: completion.id,
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: refused ? 'refusal' : openaiFinishToAnthropic(choice?.finish_reason, calls.length > 0),
    stop_sequence: null,
    usage: openaiUsageToAnthropic(completion.usage),
  };
}

/** Parses tool-call arguments into Anthropic's `input` object. */
function inputOf(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // Reported below.
  }
  throw new GatewayError(
    'invalid_upstream_tool_arguments',
    'The upstream returned tool arguments that are not a JSON object.',
    {
      type: 'upstream_error',
    },
  );
}
