import type { AnthropicMessage } from './anthropic-types.js';
import type { ChatAnswerMessage, ChatCompletion, ChatToolCall } from './openai-chat-types.js';
import { anthropicStopToOpenAI } from './stop-reasons.js';
import { anthropicUsageToOpenAI } from './usage-mapping.js';

export interface OpenAIAnswerOptions {
  /** `created` of the answer (Unix seconds); Anthropic sends none. Default: now. */
  created?: number;
}

/**
 * An Anthropic answer (`type: "message"`) as a `chat.completion`: text blocks joined into
 * `content`, thinking blocks into `reasoning_content`, `tool_use` blocks into `tool_calls`
 * (ids kept, `input` serialised), the stop reason and usage mapped (see `anthropicStopToOpenAI`,
 * `anthropicUsageToOpenAI`). Lost: thinking signatures, redacted thinking, citations, server
 * tool blocks, `stop_sequence`.
 *
 * @example
 * anthropicResponseToOpenAI(message, { created: 1741570283 }).choices[0].finish_reason; // 'stop'
 */
export function anthropicResponseToOpenAI(
  message: AnthropicMessage,
  options: OpenAIAnswerOptions = {},
): ChatCompletion {
  let text: string | null = null;
  let thinking: string | undefined;
  const calls: ChatToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text = (text ?? '') + String(block.text);
    else if (block.type === 'thinking') thinking = (thinking ?? '') + String(block.thinking);
    else if (block.type === 'tool_use') {
      calls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const answer: ChatAnswerMessage = { role: 'assistant', content: text, refusal: null };
  if (thinking !== undefined) answer.reasoning_content = thinking;
  if (calls.length > 0) answer.tool_calls = calls;
  return {
    id: message.id,
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: answer,
        logprobs: null,
        finish_reason: anthropicStopToOpenAI(message.stop_reason, calls.length > 0),
      },
    ],
    usage: anthropicUsageToOpenAI(message.usage),
  };
}
