import { contentChunks } from './content-chunks.js';
import { type Endpoint, missingParameter, unixSeconds } from './endpoint.js';
import { invalidRequestBody } from './openai-errors.js';
import { eventStreamResponse, jsonResponse, namedEvent } from './planned-response.js';
import type { RequestSettings } from './request-settings.js';
import { textLength } from './token-estimate.js';

/**
 * One Responses API stream event: its `type` (the SSE `event:` line) and its JSON text (the
 * `data:` line over SSE, the whole text frame in WebSocket mode).
 *
 * @example
 * const event: ResponseEvent = { type: 'response.created', json: '{"type":"response.created",...}' };
 */
export interface ResponseEvent {
  type: string;
  json: string;
}

/**
 * `POST /v1/responses`, the minimal Responses API: a `response` object whose output is one
 * assistant message with one `output_text` part, or with `stream: true` the event sequence
 * OpenAI sends for it (see `responseEvents`; SSE with `event:` lines and no `[DONE]`).
 * Input tokens: ceil(characters of `input` text and `instructions` / 4). A `previous_response_id`
 * that is not of the mock's own shape (`resp_mock_<n>`) gets OpenAI's 400
 * `previous_response_not_found`; the mock keeps no state, so it never checks more than that.
 *
 * @example
 * responses({ id: 1, body: { model: 'gpt-4o', input: 'Say hi' }, settings, options });
 */
const ownId = /^resp_mock_\d+$/;

export const responses: Endpoint = ({ id, body, settings }) => {
  const { model, input } = body;
  if (typeof model !== 'string') return missingParameter('model');
  if (typeof input !== 'string' && !Array.isArray(input)) return missingParameter('input');
  // As OpenAI answers for an id it does not hold; the mock holds only ids of its own shape.
  const previous = body.previous_response_id;
  if (previous !== undefined && previous !== null && !(typeof previous === 'string' && ownId.test(previous)))
    return jsonResponse(
      400,
      invalidRequestBody(
        `Previous response with id '${String(previous)}' not found.`,
        'previous_response_not_found',
        'previous_response_id',
      ),
    );
  if (body.stream !== true) return jsonResponse(200, completedResponse(`resp_mock_${id}`, body, settings));
  return eventStreamResponse(
    responseEvents(`resp_mock_${id}`, body, settings).map((event) => namedEvent(event.type, event.json)),
  );
};

/**
 * The events of one streamed response, as OpenAI sends them: `response.created`,
 * `response.output_item.added`, `response.content_part.added`, one `response.output_text.delta`
 * per content piece, `response.output_text.done`, `response.content_part.done`,
 * `response.output_item.done` and `response.completed`. The SDK's `responses.stream()` helper
 * needs the `added` events to build its output. The SSE stream and the WebSocket mode share it.
 * `body.model` must be a string (the caller validated it).
 *
 * @example
 * responseEvents('resp_1', { model: 'gpt-4o', input: 'Hi' }, settings).at(-1)?.type; // 'response.completed'
 */
export function responseEvents(
  responseId: string,
  body: Record<string, unknown>,
  settings: RequestSettings,
): ResponseEvent[] {
  const pieces = contentChunks(settings.content, settings.chunks);
  const { head, part, message, completed } = responseParts(responseId, body, settings, pieces.length);
  const messageId = `msg_${responseId}`;
  let sequence = 0;
  const events: ResponseEvent[] = [];
  const event = (type: string, fields: string) => {
    events.push({ type, json: `{"type":"${type}","sequence_number":${sequence++},${fields}}` });
  };
  event(
    'response.created',
    `"response":${head},"status":"in_progress","error":null,"output":[],"usage":null}`,
  );
  const inPart = `"item_id":"${messageId}","output_index":0,"content_index":0`;
  event(
    'response.output_item.added',
    `"output_index":0,"item":{"type":"message","id":"${messageId}","status":"in_progress","role":"assistant","content":[]}`,
  );
  event('response.content_part.added', `${inPart},"part":{"type":"output_text","text":"","annotations":[]}`);
  for (const piece of pieces)
    event('response.output_text.delta', `${inPart},"delta":${JSON.stringify(piece)}`);
  event('response.output_text.done', `${inPart},"text":${JSON.stringify(settings.content)}`);
  event('response.content_part.done', `${inPart},"part":${part}`);
  event('response.output_item.done', `"output_index":0,"item":${message}`);
  event('response.completed', `"response":${completed}`);
  return events;
}

/**
 * The JSON text of a completed `response` object with the mock's answer.
 *
 * @example
 * JSON.parse(completedResponse('resp_1', { model: 'gpt-4o', input: 'Hi' }, settings)).status; // 'completed'
 */
export function completedResponse(
  responseId: string,
  body: Record<string, unknown>,
  settings: RequestSettings,
): string {
  return responseParts(responseId, body, settings, contentChunks(settings.content, settings.chunks).length)
    .completed;
}

function responseParts(
  responseId: string,
  body: Record<string, unknown>,
  settings: RequestSettings,
  outputTokens: number,
) {
  const inputTokens = Math.ceil((textLength(body.input) + textLength(body.instructions)) / 4);
  const messageId = `msg_${responseId}`;
  const head = `{"id":"${responseId}","object":"response","created_at":${unixSeconds()},"model":${JSON.stringify(body.model)}`;
  const part = `{"type":"output_text","text":${JSON.stringify(settings.content)},"annotations":[]}`;
  const message = `{"type":"message","id":"${messageId}","status":"completed","role":"assistant","content":[${part}]}`;
  const usage = `{"input_tokens":${inputTokens},"output_tokens":${outputTokens},"total_tokens":${inputTokens + outputTokens}}`;
  const completed = `${head},"status":"completed","error":null,"output":[${message}],"usage":${usage}}`;
  return { head, part, message, completed };
}
