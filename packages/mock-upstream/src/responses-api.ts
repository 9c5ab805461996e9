import { contentChunks } from './content-chunks.js';
import { type Endpoint, missingParameter, unixSeconds } from './endpoint.js';
import { eventStreamResponse, jsonResponse, namedEvent } from './planned-response.js';
import { textLength } from './token-estimate.js';

/**
 * `POST /v1/responses`, the minimal Responses API: a `response` object whose output is one
 * assistant message with one `output_text` part, or with `stream: true` the events
 * `response.created`, one `response.output_text.delta` per content piece and
 * `response.completed` (SSE with `event:` lines and no `[DONE]`, as OpenAI sends them).
 * Input tokens: ceil(characters of `input` text and `instructions` / 4).
 *
 * @example
 * responses({ id: 1, body: { model: 'gpt-4o', input: 'Say hi' }, settings, options });
 */
export const responses: Endpoint = ({ id, body, settings }) => {
  const { model, input, instructions } = body;
  if (typeof model !== 'string') return missingParameter('model');
  if (typeof input !== 'string' && !Array.isArray(input)) return missingParameter('input');
  const pieces = contentChunks(settings.content, settings.chunks);
  const inputTokens = Math.ceil((textLength(input) + textLength(instructions)) / 4);
  const responseId = `resp_mock_${id}`;
  const messageId = `msg_mock_${id}`;
  const head = `{"id":"${responseId}","object":"response","created_at":${unixSeconds()},"model":${JSON.stringify(model)}`;
  const message = `{"type":"message","id":"${messageId}","status":"completed","role":"assistant","content":[{"type":"output_text","text":${JSON.stringify(settings.content)},"annotations":[]}]}`;
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
  for (const piece of pieces) {
    events.push(
      namedEvent(
        'response.output_text.delta',
        `{"type":"response.output_text.delta","sequence_number":${sequence++},"item_id":"${messageId}","output_index":0,"content_index":0,"delta":${JSON.stringify(piece)}}`,
      ),
    );
  }
  events.push(
    namedEvent(
      'response.completed',
      `{"type":"response.completed","sequence_number":${sequence++},"response":${completed}}`,
    ),
  );
  return eventStreamResponse(events);
};
