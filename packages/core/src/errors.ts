import { type CatalogueEntry, type ErrorCode, errorCatalogue } from './error-catalogue.js';

/** OpenAI's error `type` values, plus the ones a gateway needs. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'server_error'
  | 'upstream_error'
  // OpenAI names the exhausted limit in `type` on 429 `rate_limit_exceeded`.
  | 'requests'
  | 'tokens';

export interface GatewayErrorOptions {
  /** Overrides the catalogue's type where OpenAI names more (429 `requests` / `tokens`). */
  type?: ErrorType;
  param?: string | null;
  /** Extra headers for the client response (`retry-after`, rate-limit fields). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error class of the gateway. `code` is one of the catalogue's (`error-catalogue.ts`),
 * which gives its status and type; the message is for people. Neither may contain key material:
 * the message reaches the client.
 *
 * @example
 * throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly headers: Record<string, string> | undefined;
  /** False when the same request cannot succeed later: the answer then says `x-should-retry: false`. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry: CatalogueEntry = errorCatalogue[code];
    this.name = 'GatewayError';
    this.code = code;
    this.status = entry.status;
    this.type = options.type ?? entry.type;
    this.param = options.param ?? null;
    this.headers = options.headers;
    this.retryable = entry.retryable;
  }

  /** The OpenAI-shaped body: `{"error":{"message","type","param","code"}}`. */
  toJSON() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Anything thrown that is not a GatewayError becomes this: no message or stack leaks out. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_error', 'The gateway failed to handle the request.', {
    cause: error,
  });
}

const encoder = new TextEncoder();

/** Encodes an error as the complete JSON response body. */
export function errorBody(error: GatewayError): Uint8Array {
  return encoder.encode(JSON.stringify(error));
}

/**
 * The last event of a stream that failed after it started. The OpenAI SDKs raise an
 * `APIError` on a `data:` event carrying `error`, so the client cannot mistake the cut
 * answer for a complete one.
 */
export function errorEvent(error: GatewayError): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(error)}\n\n`);
}

/**
 * The complete answer for a gateway error: its status, the OpenAI-shaped body, its headers, and
 * `x-should-retry: false` when the catalogue says no retry can change it (the OpenAI SDKs read it).
 */
export function errorAnswer(error: GatewayError): {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
} {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...error.headers };
  if (!error.retryable) headers['x-should-retry'] = 'false';
  return { status: error.status, headers, body: errorBody(error) };
}
