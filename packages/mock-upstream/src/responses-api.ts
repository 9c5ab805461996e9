import { contentChunks } from './content-chunks.js';
import { type Endpoint, missingParameter, unixSeconds } from './endpoint.js';
import { invalidRequestBody } from './openai-errors.js';
import { eventStreamResponse, jsonResponse, namedEvent } from './planned-response.js';
import { textLength } from './token-estimate.js';

/**
 * `POST /v1/responses`, the minimal Responses API: a `response` object whose output is one
 * assistant message with one `output_text` part, or with `stream: true` the event sequence
 * OpenAI sends for it — `response.created`, `response.output_item.added`,
 * `response.content_part.added`, one `response.output_text.delta` per content piece,
 * `response.output_text.done`, `response.content_part.done`, `response.output_item.done` and
 * `response.completed` (SSE with `event:` lines and no `[DONE]`). The SDK's `responses.stream()`
 * helper needs the `added` events to build its output.
 * Input tokens: ceil(characters of `input` text and `instructions` / 4). A `previous_response_id`
 * that is not of the mock's own shape (`resp_mock_<n>`) gets OpenAI's 400
 * `previous_response_not_found`; the mock keeps no state, so it never checks more than that.
 *
 * @example
 * responses({ id: 1, body: { model: 'gpt-4o', input: 'Say hi' }, settings, options });
 */
const ownId = /^resp_mock_\d+$/;

export const responses: Endpoint = ({ id, body, settings }) => {
  const { model, input, instructions } = body;
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
  const pieces = contentChunks(settings.content, settings.chunks);
  const inputTokens = Math.ceil((textLength(input) + textLength(instructions)) / 4);
  const responseId = `resp_mock_${id}`;
  const messageId = `msg_mock_${id}`;
  const head = `{"id":"${responseId}","object":"response","created_at":${unixSeconds()},"model":${JSON.stringify(model)}`;
  const part = `{"type":"output_text","text":${JSON.stringify(settings.content)},"annotations":[]}`;
  const message = `{"type":"message","id":"${messageId}","status":"completed","role":"assistant","content":[${part}]}`;
  const usage = `{"input_tokens":${inputTokens},"output_tokens":${pieces.length},"total_tokens":${inputTokens + pieces.length}}`;
  const completed = `${head},"status":"completed","error":null,"output":[${message}],"usage":${usage}}`;
  if (body.stream !== true) return jsonResponse(200, completed);
  let sequence = 0;
  const events = [
    namedEvent(
      'response.created',
      `{"type":"response.created","sequence_number":${sequence++},"response":${head},"status":"in_progress","error":null,"output":[],"usage":null}}`,
    ),
  ];
  const event = (type: string, fields: string) =>
    namedEvent(type, `{"type":"${type}","sequence_number":${sequence++},${fields}}`);
  const inPart = `"item_id":"${messageId}","output_index":0,"content_index":0`;
  events.push(
    event(
      'response.output_item.added',
      `"output_index":0,"item":{"type":"message","id":"${messageId}","status":"in_progress","role":"assistant","content":[]}`,
    ),
    event(
      'response.content_part.added',
      `${inPart},"part":{"type":"output_text","text":"","annotations":[]}`,
    ),
  );
  for (const piece of pieces) {
    events.push(event('response.output_text.delta', `${inPart},"delta":${JSON.stringify(piece)}`));
  }
  events.push(
    event('response.output_text.done', `${inPart},"text":${JSON.stringify(settings.content)}`),
    event('response.content_part.done', `${inPart},"part":${part}`),
    event('response.output_item.done', `"output_index":0,"item":${message}`),
  );
  events.push(
    namedEvent(
      'response.completed',
      `{"type":"response.completed","sequence_number":${sequence++},"response":${completed}}`,
    ),
  );
  return eventStreamResponse(events);
};
