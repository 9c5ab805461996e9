import { GatewayError } from '../errors.js';
import type { JsonObject } from '../types.js';

/**
 * What a Chat Completions request becomes on a Realtime session: the client frames to send, in
 * order (`session.update`, one `conversation.item.create` per message, `response.create`).
 *
 * @example
 * const { frames } = chatToRealtime({ model: 'gpt-realtime', messages: [{ role: 'user', content: 'Hi' }] });
 */
export interface RealtimeTurn {
  frames: string[];
}

// Sampling fields have no Realtime GA equivalent; dropping them changes nothing a caller relies
// on. Fields that change what comes back (tools, n, stop, formats, logprobs) are refused instead.
const refusedFields: Readonly<Record<string, (value: unknown) => boolean>> = {
  tools: (value) => Array.isArray(value) && value.length > 0,
  functions: (value) => Array.isArray(value) && value.length > 0,
  n: (value) => typeof value === 'number' && value !== 1,
  stop: (value) => (Array.isArray(value) ? value.length > 0 : typeof value === 'string'),
  logprobs: (value) => value === true,
  audio: (value) => value !== undefined && value !== null,
  prediction: (value) => value !== undefined && value !== null,
  response_format: (value) =>
    typeof value === 'object' && value !== null && (value as JsonObject).type !== 'text',
};

const refused = (param: string, what: string) =>
  new GatewayError('unsupported_content', `${what} cannot be served by a realtime-only model.`, { param });

/**
 * Converts a Chat Completions body into the frames of one Realtime turn: a `session.update`
 * asking for text only, the messages as conversation items (system and developer messages as
 * `system` items where they stand; user text and image parts as `input_text` and
 * `input_image`; assistant text as `output_text`), and a `response.create` with text output
 * and `max_output_tokens` from `max_completion_tokens` or `max_tokens`. Throws a 400
 * `unsupported_content` naming the field for what a Realtime session cannot carry back as a
 * chat answer (tools, tool messages, `n` > 1, `stop`, JSON formats, logprobs, audio parts).
 *
 * @example
 * chatToRealtime({ model: 'gpt-realtime', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }).frames.length; // 4
 */
export function chatToRealtime(body: JsonObject): RealtimeTurn {
  for (const field in refusedFields) {
    if ((refusedFields[field] as (value: unknown) => boolean)(body[field]))
      throw refused(field, `\`${field}\``);
  }
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new GatewayError('invalid_type', '`messages` must be a non-empty array.', { param: 'messages' });
  }
  const frames = [
    JSON.stringify({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } }),
  ];
  messages.forEach((message, index) => {
    const item = messageItem(message, `messages[${index}]`);
    if (item !== undefined) frames.push(JSON.stringify({ type: 'conversation.item.create', item }));
  });
  const response: JsonObject = { output_modalities: ['text'] };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new GatewayError('invalid_value', '`max_tokens` must be a positive integer.', {
        param: body.max_completion_tokens === undefined ? 'max_tokens' : 'max_completion_tokens',
      });
    }
    response.max_output_tokens = maxTokens;
  }
  frames.push(JSON.stringify({ type: 'response.create', response }));
  return { frames };
}

function messageItem(message: unknown, param: string): JsonObject | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new GatewayError('invalid_type', `\`${param}\` must be an object.`, { param });
  }
  const { role, content } = message as JsonObject;
  if (role === 'tool' || role === 'function') throw refused(`${param}.role`, 'A tool result');
  if ((message as JsonObject).tool_calls !== undefined && (message as JsonObject).tool_calls !== null) {
    throw refused(`${param}.tool_calls`, 'An assistant tool call');
  }
  if (role === 'system' || role === 'developer') {
    return { type: 'message', role: 'system', content: textParts(content, `${param}.content`, 'input_text') };
  }
  if (role === 'assistant') {
    // An assistant turn without text (a refusal, an empty turn) carries nothing to the model.
    if (content === null || content === undefined || content === '') return undefined;
    return {
      type: 'message',
      role: 'assistant',
      content: textParts(content, `${param}.content`, 'output_text'),
    };
  }
  if (role === 'user') {
    return { type: 'message', role: 'user', content: userParts(content, `${param}.content`) };
  }
  throw new GatewayError('invalid_value', `\`${param}.role\` must be system, developer, user or assistant.`, {
    param: `${param}.role`,
  });
}

/** String content, or text parts only (system and assistant messages). */
function textParts(content: unknown, param: string, type: 'input_text' | 'output_text'): JsonObject[] {
  if (typeof content === 'string') return [{ type, text: content }];
  if (!Array.isArray(content))
    throw new GatewayError('invalid_type', `\`${param}\` must be a string or an array of parts.`, { param });
  return content.map((part, index) => {
    const text = (part as JsonObject | null)?.text;
    if ((part as JsonObject | null)?.type !== 'text' || typeof text !== 'string') {
      throw refused(`${param}[${index}]`, 'A part other than text in this message');
    }
    return { type, text };
  });
}

function userParts(content: unknown, param: string): JsonObject[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  if (!Array.isArray(content))
    throw new GatewayError('invalid_type', `\`${param}\` must be a string or an array of parts.`, { param });
  return content.map((part, index) => {
    const { type, text, image_url: image } = (part ?? {}) as JsonObject;
    if (type === 'text' && typeof text === 'string') return { type: 'input_text', text };
    const url = typeof image === 'string' ? image : (image as JsonObject | undefined)?.url;
    if (type === 'image_url' && typeof url === 'string') return { type: 'input_image', image_url: url };
    throw refused(`${param}[${index}]`, `A \`${String(type).slice(0, 40)}\` part`);
  });
}
