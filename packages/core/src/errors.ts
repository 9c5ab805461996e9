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
  type?: ErrorType;
  param?: string | null;
  /** Extra headers for the client response (`retry-after`, rate-limit fields). */
  headers?: Record<string, string>;
  cause?: unknown;
}

const defaultTypeForStatus = (status: number): ErrorType => {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
};

/**
 * The one error class of the gateway. `code` is stable (clients and tests match on it); the
 * message is for people. Neither may contain key material: the message reaches the client.
 *
 * @example
 * throw new GatewayError('invalid_json', 400, 'The request body is not valid JSON.');
 */
export class GatewayError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly headers: Record<string, string> | undefined;

  constructor(code: string, status: number, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = status;
    this.type = options.type ?? defaultTypeForStatus(status);
    this.param = options.param ?? null;
    this.headers = options.headers;
  }

  /** The OpenAI-shaped body: `{"error":{"message","type","param","code"}}`. */
  toJSON() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Anything thrown that is not a GatewayError becomes this: no message or stack leaks out. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_error', 500, 'The gateway failed to handle the request.', {
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
