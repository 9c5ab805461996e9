import { GatewayError } from '../../errors.js';
import { chatCompletionToChunks } from '../../formats/chat-completion-to-chunks.js';
import { ChatStreamAggregator } from '../../formats/chat-stream-aggregator.js';
import type { ChatCompletion } from '../../formats/openai-chat-types.js';
import { responseToEvents } from '../../formats/response-to-events.js';
import { type ResponseObject, ResponsesStreamAggregator } from '../../formats/responses-stream-aggregator.js';
import { encodeSseEvents } from '../../formats/sse-message.js';
import { aggregateEventStream, type StreamAggregator } from '../../formats/stream-converter.js';
import { usageOfBytes } from '../../streaming/usage-tap.js';
import type { GatewayContext, GatewayResponse, Handler, JsonObject } from '../../types.js';
import { upstreamFailure } from '../../upstream/upstream-failure.js';
import { jsonBytes, parseJson, readAll } from '../body-bytes.js';
import { modelMatches } from '../upstream-formats/request-fields.js';
import type { RequestSelector } from './stream-mode-options.js';

const encoder = new TextEncoder();

/** @internal True when a rule list (or `true`) selects this attempt. */
export function selects(
  rules: true | readonly RequestSelector[] | undefined,
  context: GatewayContext,
): boolean {
  if (rules === undefined) return false;
  if (rules === true) return true;
  for (const rule of rules) {
    if (rule.routes !== undefined && !rule.routes.includes(context.route.name as never)) continue;
    if (rule.models !== undefined && !modelMatches(rule.models, context.body?.model)) continue;
    if (rule.upstreams !== undefined && !rule.upstreams.includes(context.upstream?.name as string)) continue;
    return true;
  }
  return false;
}

/** Sends this attempt with `body` instead of the context's, and restores it afterwards. */
async function sendWith(next: Handler, context: GatewayContext, body: JsonObject): Promise<GatewayResponse> {
  const { body: original, bodyChanged } = context;
  context.body = body;
  context.bodyChanged = true;
  try {
    return await next(context);
  } finally {
    context.body = original;
    context.bodyChanged = bodyChanged;
  }
}

const jsonHeaders = (response: GatewayResponse, contentType: string) => {
  const headers = response.headers;
  delete headers['content-length'];
  headers['content-type'] = contentType;
  return headers;
};

/**
 * A JSON client answered from an upstream stream: the stream (chat with `include_usage`, so the
 * answer has its usage) is read to its end marker and aggregated into the object the upstream
 * would have answered. A cut or failed stream is a 502, never a truncated answer.
 *
 * @internal
 */
export async function aggregatedAttempt(
  next: Handler,
  context: GatewayContext,
  body: JsonObject,
): Promise<GatewayResponse> {
  const chat = context.route.name === 'chat.completions';
  const sent: JsonObject = { ...body, stream: true };
  if (chat) sent.stream_options = { ...(body.stream_options as JsonObject | undefined), include_usage: true };
  const response = await sendWith(next, context, sent);
  const source = response.body;
  if (
    response.status !== 200 ||
    source === undefined ||
    !response.headers['content-type']?.startsWith('text/event-stream')
  ) {
    return response;
  }
  const bytes = source instanceof Uint8Array ? [source] : source;
  let answer: ChatCompletion | ResponseObject;
  try {
    answer = await aggregateEventStream(
      toAsync(bytes),
      (chat ? new ChatStreamAggregator() : new ResponsesStreamAggregator()) as StreamAggregator<
        ChatCompletion | ResponseObject
      >,
    );
  } catch (error) {
    throw context.aborted ? error : upstreamFailure(error, 'in-body', context.upstream?.name ?? 'unknown');
  }
  context.record.streamConversion = 'aggregated';
  return { status: 200, headers: jsonHeaders(response, 'application/json'), body: jsonBytes(answer) };
}

/**
 * A stream client answered from an upstream's JSON answer (an upstream or model that cannot
 * stream): the answer becomes the stream the client asked for, with the usage chunk only when it
 * asked for `include_usage`; accounting takes the usage from the upstream's answer.
 *
 * @internal
 */
export async function streamedAttempt(
  next: Handler,
  context: GatewayContext,
  body: JsonObject,
): Promise<GatewayResponse> {
  const chat = context.route.name === 'chat.completions';
  const { stream_options: streamOptions, ...rest } = body;
  const response = await sendWith(next, context, { ...rest, stream: false });
  if (response.status !== 200 || !response.headers['content-type']?.startsWith('application/json')) {
    return response;
  }
  const raw = await readAll(response.body);
  const answer = parseJson(raw);
  if (
    typeof answer !== 'object' ||
    answer === null ||
    (chat
      ? !Array.isArray((answer as ChatCompletion).choices)
      : typeof (answer as ResponseObject).id !== 'string')
  ) {
    throw new GatewayError(
      'upstream_invalid_answer',
      `The upstream "${context.upstream?.name ?? 'unknown'}" sent an answer Ferry cannot read.`,
    );
  }
  const includeUsage = (streamOptions as { include_usage?: unknown } | undefined)?.include_usage === true;
  const events = chat
    ? chatCompletionToChunks(answer as ChatCompletion, { includeUsage })
    : responseToEvents(answer as ResponseObject);
  context.usage = usageOfBytes(raw);
  context.record.streamConversion = 'streamed';
  const headers = jsonHeaders(response, 'text/event-stream; charset=utf-8');
  headers['cache-control'] = 'no-cache';
  return { status: 200, headers, body: encoder.encode(encodeSseEvents(events)) };
}

async function* toAsync(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
  yield* source;
}
