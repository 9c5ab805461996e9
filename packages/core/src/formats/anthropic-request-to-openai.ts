import { GatewayError } from '../errors.js';
import { isObject } from '../filter/sse-event.js';
import type { AnthropicContentBlock, AnthropicRequest, AnthropicTool } from './anthropic-types.js';
import type {
  ChatContentPart,
  ChatMessage,
  ChatRequest,
  ChatTool,
  ChatToolChoice,
} from './openai-chat-types.js';

const unsupported = (what: string, param: string) =>
  new GatewayError('unsupported_content', `${what} cannot be sent to this model's upstream.`, { param });

/**
 * A `POST /v1/messages` body as a Chat Completions body, for an OpenAI-compatible upstream.
 * The system prompt becomes the first message; text and image blocks become content parts;
 * an assistant turn's `tool_use` blocks become ONE message with `tool_calls` (ids kept);
 * each `tool_result` becomes its own `role: "tool"` message, in order, before the rest of its
 * user turn; tools, `tool_choice`, `max_tokens`, `stop_sequences`, `temperature`, `top_p`,
 * `metadata.user_id` and `stream` are mapped (a stream asks for `include_usage`, which the
 * Anthropic answer needs). Dropped, see docs/formats.md: `top_k`, `thinking`, cache_control,
 * `thinking` blocks of earlier turns, `is_error` of tool results. Server tools and block types
 * with no Chat Completions form are refused with a 400.
 *
 * @example
 * anthropicRequestToOpenAI({ model: 'm', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] });
 * // { model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], max_tokens: 64 }
 */
export function anthropicRequestToOpenAI(request: AnthropicRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemMessage(request.system);
  if (system !== undefined) messages.push(system);
  request.messages.forEach((message, index) => {
    if (typeof message.content === 'string') {
      messages.push({ role: message.role, content: message.content });
    } else if (message.role === 'assistant') {
      messages.push(assistantMessage(message.content, index));
    } else {
      messages.push(...userMessages(message.content, index));
    }
  });
  const out: ChatRequest = { model: request.model, messages };
  if (request.max_tokens !== undefined) out.max_tokens = request.max_tokens;
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0)
    out.stop = request.stop_sequences;
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.top_p !== undefined) out.top_p = request.top_p;
  const user = request.metadata?.user_id;
  if (typeof user === 'string') out.user = user;
  if (request.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  if (request.tools !== undefined && request.tools.length > 0) out.tools = request.tools.map(toolOf);
  if (request.tool_choice !== undefined) {
    out.tool_choice = toolChoiceOf(request.tool_choice);
    if (request.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  return out;
}

function systemMessage(system: AnthropicRequest['system']): ChatMessage | undefined {
  if (system === undefined) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  const texts = system.filter((block) => block.type === 'text').map((block) => block.text);
  if (texts.length === 0) return undefined;
  // One block stays a plain string: several compatible upstreams refuse parts in system messages.
  if (texts.length === 1) return { role: 'system', content: texts[0] as string };
  return { role: 'system', content: texts.map((text) => ({ type: 'text', text })) };
}

function assistantMessage(blocks: AnthropicContentBlock[], index: number): ChatMessage {
  const texts: string[] = [];
  const calls: NonNullable<ChatMessage['tool_calls']> = [];
  for (const block of blocks) {
    if (block.type === 'text') texts.push(String(block.text));
    else if (block.type === 'tool_use') {
      calls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      });
    } else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      throw unsupported(`A "${block.type}" block`, `messages[${index}].content`);
    }
  }
  const message: ChatMessage = { role: 'assistant', content: texts.length === 0 ? null : texts.join('') };
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

function userMessages(blocks: AnthropicContentBlock[], index: number): ChatMessage[] {
  const out: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  for (const block of blocks) {
    if (block.type === 'tool_result') {
      const result = toolResult(block, index);
      out.push(result.message);
      // Images a tool returned cannot ride in a tool message: they follow in the user message.
      parts.push(...result.images);
    } else {
      parts.push(partOf(block, index));
    }
  }
  if (parts.length === 1 && parts[0]?.type === 'text')
    out.push({ role: 'user', content: parts[0].text as string });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function toolResult(block: AnthropicContentBlock, index: number) {
  const content = block.content;
  const images: ChatContentPart[] = [];
  let text = '';
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    for (const inner of content as AnthropicContentBlock[]) {
      if (inner.type === 'text') text += String(inner.text);
      else if (inner.type === 'image') images.push(partOf(inner, index));
      else throw unsupported(`A "${inner.type}" block in a tool result`, `messages[${index}].content`);
    }
  }
  const message: ChatMessage = { role: 'tool', tool_call_id: String(block.tool_use_id), content: text };
  return { message, images };
}

function partOf(block: AnthropicContentBlock, index: number): ChatContentPart {
  if (block.type === 'text') return { type: 'text', text: String(block.text) };
  if (block.type === 'image' && isObject(block.source)) {
    const source = block.source;
    if (source.type === 'base64') {
      return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
    }
    if (source.type === 'url') return { type: 'image_url', image_url: { url: String(source.url) } };
  }
  throw unsupported(`A "${block.type}" block`, `messages[${index}].content`);
}

function toolOf(tool: AnthropicTool, index: number): ChatTool {
  if (tool.input_schema === undefined || (tool.type !== undefined && tool.type !== 'custom')) {
    throw unsupported(`The server tool "${tool.type ?? tool.name}"`, `tools[${index}]`);
  }
  const fn: ChatTool['function'] =
    tool.description === undefined
      ? { name: tool.name, parameters: tool.input_schema }
      : { name: tool.name, description: tool.description, parameters: tool.input_schema };
  return { type: 'function', function: fn };
}

function toolChoiceOf(choice: NonNullable<AnthropicRequest['tool_choice']>): ChatToolChoice {
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.name } };
  if (choice.type === 'any') return 'required';
  if (choice.type === 'none') return 'none';
  return 'auto';
}
