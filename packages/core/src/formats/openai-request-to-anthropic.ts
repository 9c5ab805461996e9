import { GatewayError } from '../errors.js';
import { isObject } from '../filter/sse-event.js';
import type {
  AnthropicContentBlock,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicToolChoice,
} from './anthropic-types.js';
import type { ChatContentPart, ChatMessage, ChatRequest } from './openai-chat-types.js';

export interface AnthropicRequestOptions {
  /** Anthropic requires `max_tokens`; used when the client sent neither limit. Default 4096. */
  defaultMaxTokens?: number;
}

const invalid = (message: string, param: string) =>
  new GatewayError('unsupported_content', message, { param });

const dataUrl = /^data:([^;,]+);base64,(.*)$/s;

/**
 * A Chat Completions body as a `POST /v1/messages` body, for an upstream of type anthropic.
 * System and developer messages become `system` (hoisted, in order); content parts become text
 * and image blocks (data URLs as base64, others as url sources); assistant `tool_calls` become
 * `tool_use` blocks (ids kept, arguments parsed); consecutive `role: "tool"` messages become
 * `tool_result` blocks of one user turn, and turns of the same role are merged, since Anthropic
 * needs them alternating. `max_completion_tokens`/`max_tokens`, `stop`, `temperature` (clamped
 * to Anthropic's 0..1), `top_p`, `user`, `stream`, tools and `tool_choice` (with
 * `parallel_tool_calls: false`) are mapped. `n > 1` and audio or file parts are refused (400).
 *
 * @example
 * openaiRequestToAnthropic({ model: 'claude', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
 * // { model: 'claude', max_tokens: 4096, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] }
 */
export function openaiRequestToAnthropic(
  request: ChatRequest,
  options: AnthropicRequestOptions = {},
): AnthropicRequest {
  if (typeof request.n === 'number' && request.n > 1) {
    throw invalid('This model\'s upstream answers one choice per request: "n" must be 1.', 'n');
  }
  const systems: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  request.messages.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'developer') {
      systems.push(...systemTexts(message.content, index));
      return;
    }
    const turn: AnthropicMessageParam =
      message.role === 'tool'
        ? { role: 'user', content: [toolResultOf(message, index)] }
        : message.role === 'assistant'
          ? { role: 'assistant', content: assistantBlocks(message, index) }
          : { role: 'user', content: userContent(message.content, index) };
    mergeInto(messages, turn);
  });
  const out: AnthropicRequest = {
    model: request.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens ?? 4096,
    messages,
  };
  if (systems.length === 1) out.system = systems[0] as string;
  else if (systems.length > 1) out.system = systems.map((text) => ({ type: 'text', text }));
  const stop = request.stop;
  if (typeof stop === 'string') out.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) out.stop_sequences = stop;
  if (request.temperature !== undefined) out.temperature = Math.min(1, Math.max(0, request.temperature));
  if (request.top_p !== undefined) out.top_p = request.top_p;
  if (typeof request.user === 'string') out.metadata = { user_id: request.user };
  if (request.stream === true) out.stream = true;
  if (request.tools !== undefined && request.tools.length > 0) {
    out.tools = request.tools.map((tool, index) => {
      if (tool.type !== 'function' || !isObject(tool.function)) {
        throw invalid(`Only function tools can be sent to this model's upstream.`, `tools[${index}]`);
      }
      const schema = tool.function.parameters ?? { type: 'object', properties: {} };
      return tool.function.description === undefined
        ? { name: tool.function.name, input_schema: schema }
        : { name: tool.function.name, description: tool.function.description, input_schema: schema };
    });
  }
  const choice = toolChoiceOf(request.tool_choice, request.parallel_tool_calls === false);
  if (choice !== undefined) out.tool_choice = choice;
  return out;
}

/** Appends a turn, merging it into the previous one when the role repeats. */
function mergeInto(messages: AnthropicMessageParam[], turn: AnthropicMessageParam): void {
  const last = messages[messages.length - 1];
  if (last === undefined || last.role !== turn.role) {
    messages.push(turn);
    return;
  }
  last.content = [...blocksOf(last.content), ...blocksOf(turn.content)];
}

const blocksOf = (content: string | AnthropicContentBlock[]): AnthropicContentBlock[] =>
  typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : content;

/** A system message's texts, one per part: each part becomes its own system block. */
function systemTexts(content: ChatMessage['content'], index: number): string[] {
  if (typeof content === 'string') return content === '' ? [] : [content];
  if (content === null || content === undefined) return [];
  return content.map((part) => textOf([part], index));
}

function textOf(content: ChatMessage['content'], index: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return content
    .map((part) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      throw invalid(
        `A "${part.type}" part cannot be part of a system message.`,
        `messages[${index}].content`,
      );
    })
    .join('');
}

function userContent(content: ChatMessage['content'], index: number): string | AnthropicContentBlock[] {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return content.map((part) => blockOf(part, index));
}

function blockOf(part: ChatContentPart, index: number): AnthropicContentBlock {
  if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
  if (part.type === 'image_url' && isObject(part.image_url) && typeof part.image_url.url === 'string') {
    const url = part.image_url.url;
    const data = dataUrl.exec(url);
    if (data !== null) {
      return {
        type: 'image',
        source: { type: 'base64', media_type: data[1] as string, data: data[2] as string },
      };
    }
    return { type: 'image', source: { type: 'url', url } };
  }
  throw invalid(
    `A "${part.type}" part cannot be sent to this model's upstream.`,
    `messages[${index}].content`,
  );
}

function assistantBlocks(message: ChatMessage, index: number): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  const content = message.content;
  if (typeof content === 'string' && content !== '') blocks.push({ type: 'text', text: content });
  else if (Array.isArray(content)) {
    for (const part of content) {
      // An earlier refusal goes back as what it was to the client: text the assistant said.
      const text = part.type === 'refusal' ? part.refusal : part.text;
      if (typeof text !== 'string')
        throw invalid(`A "${part.type}" part cannot be sent back.`, `messages[${index}]`);
      blocks.push({ type: 'text', text });
    }
  }
  for (const call of message.tool_calls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments, index),
    });
  }
  return blocks;
}

function parseArguments(text: string, index: number): unknown {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // Reported below.
  }
  throw invalid(
    "Tool call arguments must be a JSON object to be sent to this model's upstream.",
    `messages[${index}].tool_calls`,
  );
}

function toolResultOf(message: ChatMessage, index: number): AnthropicContentBlock {
  return {
    type: 'tool_result',
    tool_use_id: String(message.tool_call_id),
    content: textOf(message.content, index),
  };
}

function toolChoiceOf(choice: ChatRequest['tool_choice'], serial: boolean): AnthropicToolChoice | undefined {
  let out: AnthropicToolChoice | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (isObject(choice) && isObject(choice.function)) out = { type: 'tool', name: choice.function.name };
  if (!serial) return out;
  // Anthropic keeps the parallel switch on tool_choice; "none" has no such field.
  if (out?.type === 'none') return out;
  return { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
}
