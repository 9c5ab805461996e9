import { invalidRequestBody } from './openai-errors.js';
import type { ResolvedOptions } from './options.js';
import { jsonResponse, type PlannedResponse } from './planned-response.js';
import type { RequestSettings } from './request-settings.js';

/**
 * What an endpoint gets to build its response: the arrival number (used in ids), the parsed
 * JSON body (`{}` for GET), the per-request knobs and the server options.
 *
 * @example
 * const endpoint: Endpoint = (context) => jsonResponse(200, `{"id":${context.id}}`);
 */
export interface EndpointContext {
  id: number;
  body: Record<string, unknown>;
  settings: RequestSettings;
  options: ResolvedOptions;
}

/** Builds the response of one route. Pure: sending, latency and faults happen elsewhere. */
export type Endpoint = (context: EndpointContext) => PlannedResponse;

/**
 * The 400 OpenAI sends when a required parameter is absent or of the wrong type.
 *
 * @example
 * if (typeof body.model !== 'string') return missingParameter('model');
 */
export function missingParameter(param: string): PlannedResponse {
  return jsonResponse(
    400,
    invalidRequestBody(`Missing required parameter: '${param}'.`, 'missing_required_parameter', param),
  );
}

/** Whole seconds since the epoch, as OpenAI's `created` fields. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** True when the request asked for `stream_options.include_usage`. */
export function wantsStreamUsage(body: Record<string, unknown>): boolean {
  const streamOptions = body.stream_options;
  return (
    typeof streamOptions === 'object' &&
    streamOptions !== null &&
    (streamOptions as { include_usage?: unknown }).include_usage === true
  );
}

/**
 * The `usage` object of chat and legacy completions as JSON text.
 *
 * @example
 * usageJson(5, 3); // '{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}'
 */
export function usageJson(promptTokens: number, completionTokens: number): string {
  return `{"prompt_tokens":${promptTokens},"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens}}`;
}
