import { GatewayError } from '../../errors.js';
import { anthropicResponseToOpenAI } from '../../formats/anthropic-response-to-openai.js';
import { AnthropicStreamToOpenAI } from '../../formats/anthropic-stream-to-openai.js';
import type { AnthropicMessage } from '../../formats/anthropic-types.js';
import { anthropicErrorToOpenAI } from '../../formats/error-mapping.js';
import type { ChatRequest } from '../../formats/openai-chat-types.js';
import { openaiRequestToAnthropic } from '../../formats/openai-request-to-anthropic.js';
import { removeInjectedUsage } from '../../streaming/remove-injected-usage.js';
import type { GatewayContext, GatewayResponse, Handler, JsonObject } from '../../types.js';
import { convertUpstreamStream, jsonBytes, parseJson, readAll } from '../body-bytes.js';

/**
 * One attempt at an upstream of `type: 'anthropic'`: the Chat Completions body becomes a
 * Messages body sent to `/messages`, and the answer comes back as a chat completion, a chunk
 * stream or an OpenAI-shaped error, so everything outside this attempt (retries, the fallback
 * chain, limits, the filter, accounting) sees an OpenAI answer. 529 `overloaded_error` becomes
 * 503, which retry and fallback treat as the overload it is.
 *
 * @internal
 */
export async function anthropicAttempt(
  next: Handler,
  context: GatewayContext,
  body: JsonObject,
): Promise<GatewayResponse> {
  const upstream = context.upstream?.name ?? 'anthropic';
  if (context.route.name !== 'chat.completions') {
    throw new GatewayError(
      'upstream_format_unsupported',
      `The upstream "${upstream}" speaks the Anthropic Messages API; only chat completions are converted to it.`,
    );
  }
  const converted = openaiRequestToAnthropic(body as unknown as ChatRequest) as unknown as JsonObject;
  const { bodyChanged, upstreamPath } = context;
  context.body = converted;
  context.bodyChanged = true;
  context.upstreamPath = '/messages';
  let response: GatewayResponse;
  try {
    response = await next(context);
  } finally {
    // A retry or the next upstream of the chain starts again from the chat body.
    context.body = body;
    context.bodyChanged = bodyChanged;
    context.upstreamPath = upstreamPath;
  }
  const headers = response.headers;
  const contentType = headers['content-type'] ?? '';
  if (response.status >= 400) {
    const error = anthropicErrorToOpenAI(response.status, parseJson(await readAll(response.body)));
    return json(response, error.status, error.body);
  }
  if (contentType.startsWith('text/event-stream') && response.body !== undefined) {
    // The usage chunk is always produced, so accounting reads the upstream's counts; a client
    // that did not ask for it does not see it.
    const asked = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    if (!asked) context.transforms.push(removeInjectedUsage);
    const source = response.body instanceof Uint8Array ? [response.body] : response.body;
    response.body = convertUpstreamStream(
      toAsync(source),
      new AnthropicStreamToOpenAI({ includeUsage: true }),
      upstream,
    );
    delete headers['content-length'];
    return response;
  }
  const message = parseJson(await readAll(response.body));
  if (
    typeof message !== 'object' ||
    message === null ||
    !Array.isArray((message as AnthropicMessage).content)
  ) {
    throw new GatewayError(
      'upstream_invalid_answer',
      `The upstream "${upstream}" sent an answer Ferry cannot read.`,
    );
  }
  return json(response, response.status, anthropicResponseToOpenAI(message as AnthropicMessage));
}

function json(response: GatewayResponse, status: number, value: unknown): GatewayResponse {
  const headers = response.headers;
  delete headers['content-length'];
  headers['content-type'] = 'application/json';
  return { status, headers, body: jsonBytes(value) };
}

async function* toAsync(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
  yield* source;
}
