import type { GatewayError } from '../../errors.js';
import { anthropicRequestToOpenAI } from '../../formats/anthropic-request-to-openai.js';
import type { AnthropicRequest } from '../../formats/anthropic-types.js';
import { gatewayErrorToAnthropic, openaiErrorToAnthropic } from '../../formats/error-mapping.js';
import type { ChatCompletion } from '../../formats/openai-chat-types.js';
import { openaiResponseToAnthropic } from '../../formats/openai-response-to-anthropic.js';
import { OpenAIStreamToAnthropic } from '../../formats/openai-stream-to-anthropic.js';
import { knownRoutes, type Route } from '../../routes.js';
import type {
  BodyTransform,
  ErrorRenderer,
  GatewayContext,
  GatewayResponse,
  Handler,
  JsonObject,
  Policy,
} from '../../types.js';
import { convertClientStream, jsonBytes, parseJson, readAll } from '../body-bytes.js';
import { checkAnthropicRequest } from './anthropic-request-check.js';

const chatRoute = knownRoutes.find((route) => route.name === 'chat.completions') as Route;

/** Ferry's own errors in Anthropic's shape and status (503 as 529 `overloaded_error`). */
export const anthropicErrors: ErrorRenderer = (error: GatewayError) => {
  const converted = gatewayErrorToAnthropic(error);
  return { status: converted.status, body: jsonBytes(converted.body) };
};

/**
 * The outer half of the `/v1/messages` ingress, before authentication: every error this
 * request gets is in Anthropic's shape, and the OpenAI answer the pipeline returns is turned
 * into an Anthropic one on its way out, as the last transform, so the content filter (an inner
 * transform) sees the text and accounting the upstream's usage.
 *
 * @internal
 */
export function anthropicAnswers(): Policy {
  return (next) => (context) =>
    // Every other route pays one comparison, and no extra async frame.
    context.route.name === 'messages' ? anthropicExchange(next, context) : next(context);
}

async function anthropicExchange(next: Handler, context: GatewayContext): Promise<GatewayResponse> {
  context.renderError = anthropicErrors;
  const response = await next(context);
  const headers = response.headers;
  if (response.status >= 400) {
    // An upstream's OpenAI-shaped error (its keys already redacted further in).
    const converted = openaiErrorToAnthropic(response.status, parseJson(await readAll(response.body)));
    delete headers['content-length'];
    headers['content-type'] = 'application/json';
    return { status: converted.status, headers, body: jsonBytes(converted.body) };
  }
  if (response.body === undefined) return response;
  const contentType = headers['content-type'] ?? '';
  if (contentType.startsWith('text/event-stream')) context.transforms.push(anthropicStream);
  else if (contentType.startsWith('application/json')) context.transforms.push(anthropicMessage);
  return response;
}

const anthropicStream: BodyTransform = (source) => convertClientStream(source, new OpenAIStreamToAnthropic());

async function* anthropicMessage(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const completion = parseJson(await readAll(source));
  yield jsonBytes(openaiResponseToAnthropic(completion as ChatCompletion));
}

/**
 * The inner half, at validation: the Messages body is checked, converted to a Chat Completions
 * body, and from here on the request is a chat completion to every policy (input limits, the
 * filter, context fitting, token limits, routing, retries, cost), sent to `/chat/completions`.
 *
 * @internal
 */
export function anthropicRequest(): Policy {
  return (next) => (context) => {
    const body = context.body;
    if (context.route.name !== 'messages' || body === undefined) return next(context);
    checkAnthropicRequest(body, context.request.headers);
    context.body = anthropicRequestToOpenAI(body as unknown as AnthropicRequest) as unknown as JsonObject;
    context.bodyChanged = true;
    context.route = chatRoute;
    context.upstreamPath = chatRoute.path;
    context.record.ingress = 'anthropic';
    return next(context);
  };
}
