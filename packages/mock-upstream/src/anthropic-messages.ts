import { contentChunks } from './content-chunks.js';
import type { Endpoint } from './endpoint.js';
import { eventStreamResponse, jsonResponse, namedEvent, type PlannedResponse } from './planned-response.js';
import { textLength } from './token-estimate.js';

/**
 * Anthropic's error body: `{"type":"error","error":{"type","message"}}`, typed by status the way
 * the Messages API types it (docs.anthropic.com/en/api/errors).
 *
 * @example
 * anthropicErrorBody(529); // {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}
 */
export function anthropicErrorBody(status: number, message?: string): string {
  const type = anthropicErrorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const text = message ?? (status === 529 ? 'Overloaded' : `Injected error with status ${status}.`);
  return JSON.stringify({ type: 'error', error: { type, message: text } });
}

const anthropicErrorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const invalid = (message: string): PlannedResponse => jsonResponse(400, anthropicErrorBody(400, message));

/**
 * `POST /v1/messages`, the Anthropic Messages API: a `message` object, or with `stream: true`
 * the documented event sequence (`message_start`, `content_block_start`, `ping`,
 * `content_block_delta` per content piece, `content_block_stop`, `message_delta` with the stop
 * reason and cumulative usage, `message_stop`). When `tool_choice` forces a tool (`any`, or
 * `{type:'tool',name}`) the answer is one `tool_use` block calling it (the first tool for `any`)
 * with input `{"text": <content>}`, streamed as `input_json_delta` pieces, and stop reason
 * `tool_use`. `x-mock-anthropic` (`cache-read=N,cache-write=N,input-in-delta,stop=<reason>`) adds
 * cache token counts, moves the input tokens into `message_delta` (as some compatible providers
 * do) and sets the stop reason (`pause_turn`, `refusal`, ...).
 * Input tokens: ceil(characters of the messages and system / 4).
 *
 * @example
 * anthropicMessages({ id: 1, body: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [] }, settings, options });
 */
export const anthropicMessages: Endpoint = ({ id, body, settings }) => {
  const { model, messages, max_tokens: maxTokens, tools, tool_choice: toolChoice } = body;
  if (typeof model !== 'string') return invalid('model: Field required');
  if (typeof maxTokens !== 'number') return invalid('max_tokens: Field required');
  if (!Array.isArray(messages)) return invalid('messages: Field required');
  const pieces = contentChunks(settings.content, settings.chunks);
  const usageKnob = parseUsageKnob(settings.anthropicKnobs);
  const inputTokens = Math.ceil((textLength(messages) + textLength(body.system)) / 4);
  const tool = forcedTool(tools, toolChoice);
  const messageId = `msg_mock_${id}`;
  const cache = `"cache_creation_input_tokens":${usageKnob.cacheWrite},"cache_read_input_tokens":${usageKnob.cacheRead}`;
  const toolId = `toolu_mock_${id}`;
  const input = JSON.stringify({ text: settings.content });
  const stopReason = usageKnob.stop ?? (tool === undefined ? 'end_turn' : 'tool_use');
  if (body.stream !== true) {
    const content =
      tool === undefined
        ? `[{"type":"text","text":${JSON.stringify(settings.content)}}]`
        : `[{"type":"tool_use","id":"${toolId}","name":${JSON.stringify(tool)},"input":${input}}]`;
    return jsonResponse(
      200,
      `{"id":"${messageId}","type":"message","role":"assistant","model":${JSON.stringify(model)},"content":${content},"stop_reason":"${stopReason}","stop_sequence":null,"usage":{"input_tokens":${inputTokens},${cache},"output_tokens":${pieces.length}}}`,
    );
  }
  const startInput = usageKnob.inputInDelta ? 0 : inputTokens;
  const events = [
    namedEvent(
      'message_start',
      `{"type":"message_start","message":{"id":"${messageId}","type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${startInput},${cache},"output_tokens":1}}}`,
    ),
    namedEvent(
      'content_block_start',
      tool === undefined
        ? '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'
        : `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"${toolId}","name":${JSON.stringify(tool)},"input":{}}}`,
    ),
    namedEvent('ping', '{"type":"ping"}'),
  ];
  const deltas = tool === undefined ? pieces : contentChunks(input, settings.chunks);
  for (const piece of deltas) {
    const delta =
      tool === undefined
        ? `{"type":"text_delta","text":${JSON.stringify(piece)}}`
        : `{"type":"input_json_delta","partial_json":${JSON.stringify(piece)}}`;
    events.push(
      namedEvent('content_block_delta', `{"type":"content_block_delta","index":0,"delta":${delta}}`),
    );
  }
  events.push(namedEvent('content_block_stop', '{"type":"content_block_stop","index":0}'));
  // Cumulative, as Anthropic sends it: the totals so far, not an increment.
  const deltaUsage = usageKnob.inputInDelta
    ? `{"input_tokens":${inputTokens},${cache},"output_tokens":${pieces.length}}`
    : `{"output_tokens":${pieces.length}}`;
  events.push(
    namedEvent(
      'message_delta',
      `{"type":"message_delta","delta":{"stop_reason":"${stopReason}","stop_sequence":null},"usage":${deltaUsage}}`,
    ),
    namedEvent('message_stop', '{"type":"message_stop"}'),
  );
  return eventStreamResponse(events);
};

/** The tool a `tool_choice` forces: the named one, or the first for `any`; undefined otherwise. */
function forcedTool(tools: unknown, choice: unknown): string | undefined {
  if (!Array.isArray(tools) || tools.length === 0 || typeof choice !== 'object' || choice === null) {
    return undefined;
  }
  const { type, name } = choice as { type?: unknown; name?: unknown };
  if (type === 'tool' && typeof name === 'string') return name;
  if (type !== 'any') return undefined;
  const first = tools[0] as { name?: unknown };
  return typeof first.name === 'string' ? first.name : undefined;
}

function parseUsageKnob(knob: string | undefined) {
  const usage: { cacheRead: number; cacheWrite: number; inputInDelta: boolean; stop?: string } = {
    cacheRead: 0,
    cacheWrite: 0,
    inputInDelta: false,
  };
  if (knob === undefined) return usage;
  for (const part of knob.split(',')) {
    const [name, value] = part.trim().split('=');
    if (name === 'cache-read') usage.cacheRead = Number(value) || 0;
    else if (name === 'cache-write') usage.cacheWrite = Number(value) || 0;
    else if (name === 'input-in-delta') usage.inputInDelta = true;
    else if (name === 'stop' && value !== undefined && /^[a-z_]{1,40}$/.test(value)) usage.stop = value;
  }
  return usage;
}
