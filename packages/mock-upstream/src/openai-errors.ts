/**
 * The JSON text of an OpenAI error body: `{"error":{"message","type","param","code"}}`.
 *
 * @example
 * openAiErrorBody('Not found', 'invalid_request_error', 'unknown_url');
 */
export function openAiErrorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

/**
 * The error body the mock sends for `status=<code>` faults, typed the way OpenAI types them:
 * 429 as a `requests` rate limit, 5xx as `server_error`, anything else as a bad request.
 *
 * @example
 * faultErrorBody(429); // {"error":{"message":"Rate limit reached ...","type":"requests",...}}
 */
export function faultErrorBody(status: number): string {
  if (status === 429) {
    return openAiErrorBody(
      'Rate limit reached for requests (injected by the mock upstream).',
      'requests',
      'rate_limit_exceeded',
    );
  }
  if (status >= 500) {
    return openAiErrorBody(
      `The server had an error while processing your request (injected status ${status}).`,
      'server_error',
      null,
    );
  }
  return openAiErrorBody(`Injected error with status ${status}.`, 'invalid_request_error', null);
}

/** 404 body for a method and path the mock does not serve. */
export function unknownUrlBody(method: string, path: string): string {
  return openAiErrorBody(
    `Unrecognized request URL (${method}: ${path}).`,
    'invalid_request_error',
    'unknown_url',
  );
}

/** 400 body for a request the mock cannot read (bad JSON, missing field, bad knob). */
export function invalidRequestBody(
  message: string,
  code: string | null = null,
  param: string | null = null,
): string {
  return openAiErrorBody(message, 'invalid_request_error', code, param);
}

// Never echoes the key that was sent: error bodies must not carry key material.
/** 401 body for a missing or wrong API key. */
export const invalidApiKeyBody = openAiErrorBody(
  'Incorrect API key provided.',
  'invalid_request_error',
  'invalid_api_key',
);
