import type { GatewayError } from '../errors.js';
import { isObject } from '../filter/sse-event.js';
import type { AnthropicErrorBody } from './anthropic-types.js';
import type { OpenAIErrorBody } from './openai-chat-types.js';

/** A status and a body to answer with. */
export interface ConvertedError<T> {
  status: number;
  body: T;
}

// Anthropic's documented error types and statuses (docs.anthropic.com/en/api/errors).
const anthropicTypeByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

// The OpenAI `type` for each Anthropic type; the Anthropic type itself becomes `code`.
const openaiTypeByAnthropicType: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error',
};

const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value.length > 0 ? value : fallback;

/**
 * An Anthropic error answer as the OpenAI error shape. The Anthropic `error.type` becomes
 * `code` (stable for clients to match on), `type` is OpenAI's nearest, and 529 (overloaded,
 * which OpenAI clients do not know) becomes 503, which they retry the same way.
 *
 * @example
 * anthropicErrorToOpenAI(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
 * // { status: 503, body: { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } } }
 */
export function anthropicErrorToOpenAI(status: number, body: unknown): ConvertedError<OpenAIErrorBody> {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const anthropicType = text(
    error.type,
    anthropicTypeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
  );
  return {
    status: status === 529 ? 503 : status,
    body: {
      error: {
        message: text(error.message, 'The upstream returned an error.'),
        type:
          openaiTypeByAnthropicType[anthropicType] ??
          (status >= 500 ? 'server_error' : 'invalid_request_error'),
        param: null,
        code: anthropicType,
      },
    },
  };
}

/**
 * An OpenAI error answer (an OpenAI-compatible upstream's, or Ferry's own) as the Anthropic
 * error shape, with Anthropic's status for the type: 503 becomes 529 `overloaded_error`; other
 * statuses keep their number, and a 4xx Anthropic does not list is an `invalid_request_error`.
 * Lost: `param` and `code` (Anthropic has no such fields; `code` is kept in the message).
 *
 * @example
 * openaiErrorToAnthropic(429, { error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
 * // { status: 429, body: { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } } }
 */
export function openaiErrorToAnthropic(status: number, body: unknown): ConvertedError<AnthropicErrorBody> {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const anthropicStatus = status === 503 ? 529 : status;
  const type =
    anthropicTypeByStatus[anthropicStatus] ??
    (anthropicStatus >= 500 ? 'api_error' : 'invalid_request_error');
  return {
    status: anthropicStatus,
    body: { type: 'error', error: { type, message: text(error.message, 'The upstream returned an error.') } },
  };
}

/**
 * Ferry's own error (a limit, a failed upstream) for a client of `POST /v1/messages`.
 *
 * @example
 * gatewayErrorToAnthropic(new GatewayError('rate_limit_exceeded', 'Too many requests.')).body.error.type; // 'rate_limit_error'
 */
export function gatewayErrorToAnthropic(error: GatewayError): ConvertedError<AnthropicErrorBody> {
  return openaiErrorToAnthropic(error.status, error.toJSON());
}
