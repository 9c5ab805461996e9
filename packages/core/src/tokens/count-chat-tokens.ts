import {
  type ChatCompletionFunctionDefinition,
  type ChatCompletionRequest,
  type ChatMessage,
  computeChatCompletionTokenCount,
} from 'gpt-tokenizer/functionCalling';
import type { JsonObject } from '../types.js';
import type { TokenEncoding } from './encodings.js';

/** Per-image estimate: OpenAI bills 85 tokens for a low-detail image, ~765 for a 1024² high-detail one. */
const lowDetailImageTokens = 85;
const highDetailImageTokens = 765;
/** Each tool call in an assistant message: its id, type and framing, as function calls. */
const toolCallOverheadTokens = 3;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Text of a message `content`: a string, or the text parts of an array (images counted apart). */
function contentText(content: unknown): { text: string; imageTokens: number } {
  if (typeof content === 'string') return { text: content, imageTokens: 0 };
  if (!Array.isArray(content)) return { text: '', imageTokens: 0 };
  let text = '';
  let imageTokens = 0;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (typeof part.text === 'string') text += part.text;
    else if (part.type === 'image_url') {
      const detail = isObject(part.image_url) ? part.image_url.detail : undefined;
      imageTokens += detail === 'low' ? lowDetailImageTokens : highDetailImageTokens;
    }
  }
  return { text, imageTokens };
}

/** Tool definitions (`tools`) and legacy `functions`, in the shape gpt-tokenizer counts. */
function functionDefinitions(body: JsonObject): ChatCompletionFunctionDefinition[] | undefined {
  const definitions: ChatCompletionFunctionDefinition[] = [];
  if (Array.isArray(body.functions)) {
    for (const definition of body.functions) {
      if (isObject(definition) && typeof definition.name === 'string') {
        definitions.push(definition as unknown as ChatCompletionFunctionDefinition);
      }
    }
  }
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools) {
      if (isObject(tool) && isObject(tool.function) && typeof tool.function.name === 'string') {
        definitions.push(tool.function as unknown as ChatCompletionFunctionDefinition);
      }
    }
  }
  return definitions.length > 0 ? definitions : undefined;
}

/**
 * Counts the prompt tokens of a chat completion request as OpenAI bills them: 3 tokens of
 * framing per message, 1 more per `name`, 3 to prime the reply (OpenAI cookbook, "How to count
 * tokens with tiktoken"), plus tool definitions rendered the way the model sees them. Images
 * and tool calls are estimates. With `capTokens`, the result is exact up to the cap and only
 * known to be above it beyond.
 *
 * @example
 * const encoding = await encodingForModel('gpt-4o');
 * countChatTokens({ messages: [{ role: 'user', content: 'Hi' }] }, encoding); // 8
 */
export function countChatTokens(body: JsonObject, encoding: TokenEncoding, capTokens?: number): number {
  // With a cap, no single text is tokenised past it: a 10 MB message costs milliseconds, not seconds.
  const countStringTokens =
    capTokens === undefined
      ? (text: string) => encoding.countTokens(text)
      : (text: string) => encoding.countTokensUpTo(text, capTokens);
  const messages: ChatMessage[] = [];
  let extraTokens = 0;
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (!isObject(message)) continue;
      const { text, imageTokens } = contentText(message.content);
      extraTokens += imageTokens;
      const counted: ChatMessage = {
        role: typeof message.role === 'string' ? message.role : 'user',
        content: text,
      };
      if (typeof message.name === 'string') counted.name = message.name;
      if (isObject(message.function_call)) {
        counted.function_call = message.function_call as ChatMessage['function_call'];
      }
      if (Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls) {
          if (!isObject(call) || !isObject(call.function)) continue;
          const { name, arguments: parameters } = call.function;
          if (typeof name === 'string') extraTokens += countStringTokens(name);
          if (typeof parameters === 'string') extraTokens += countStringTokens(parameters);
          extraTokens += toolCallOverheadTokens;
        }
      }
      messages.push(counted);
    }
  }
  const functions = functionDefinitions(body);
  const request: ChatCompletionRequest = functions === undefined ? { messages } : { messages, functions };
  const choice = functionChoice(body);
  if (choice !== undefined) request.function_call = choice;
  return computeChatCompletionTokenCount(request, countStringTokens) + extraTokens;
}

/** `tool_choice` (or legacy `function_call`) as gpt-tokenizer counts it: `none`, `auto` or a named function. */
function functionChoice(body: JsonObject): ChatCompletionRequest['function_call'] {
  const choice = body.tool_choice ?? body.function_call;
  if (choice === 'none' || choice === 'auto') return choice;
  if (!isObject(choice)) return undefined;
  const named = isObject(choice.function) ? choice.function.name : choice.name;
  return typeof named === 'string' ? { name: named } : undefined;
}
