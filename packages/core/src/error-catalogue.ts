/**
 * Every error code Ferry answers with, in one table: its HTTP status, its OpenAI error `type`,
 * whether retrying the same request could succeed, and when it happens. `GatewayError` takes the
 * status and type from here; docs/architecture.md's table is checked against it by a test.
 *
 * `retryable: false` answers carry `x-should-retry: false`, which the OpenAI SDKs obey: they
 * would otherwise retry 408, 409, 429 and 5xx by themselves (an exhausted budget is a 429 that
 * no retry can change).
 */
export const errorCatalogue = {
  // The request itself.
  invalid_json: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'the body is not valid JSON',
  },
  invalid_body: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'the body is not a JSON object',
  },
  missing_body: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a JSON route got no body',
  },
  invalid_type: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a field has the wrong type',
  },
  invalid_value: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a field is out of range (input limits)',
  },
  unsupported_content: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'the content filter cannot read the body (nested too deep)',
  },
  upstream_format_unsupported: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: "the route has no conversion to the chosen upstream's API (embeddings to an Anthropic upstream)",
  },
  content_filter: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'the content filter blocked the request',
  },
  context_length_exceeded: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'prompt + max_tokens exceed the model window and cannot be fitted',
  },
  invalid_cursor: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a paging cursor is malformed',
  },
  invalid_conversation_id: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a conversation id is malformed',
  },
  invalid_response_id: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a response id is malformed',
  },
  conversation_limit_exceeded: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a conversation passed its turn or byte limit',
  },
  previous_response_not_found: {
    status: 400,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a `previous_response_id` chain is broken',
  },
  request_too_large: {
    status: 413,
    type: 'invalid_request_error',
    retryable: false,
    when: 'the body is over `maxBodyBytes`',
  },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a JSON route got another content type',
  },
  unknown_url: {
    status: 404,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a path inside the API base that Ferry does not forward',
  },
  conversation_not_found: {
    status: 404,
    type: 'invalid_request_error',
    retryable: false,
    when: 'no conversation with that id for this caller',
  },
  response_not_found: {
    status: 404,
    type: 'invalid_request_error',
    retryable: false,
    when: 'no stored response with that id for this caller',
  },
  method_not_allowed: {
    status: 405,
    type: 'invalid_request_error',
    retryable: false,
    when: 'a known path with another method (`Allow` lists the right ones)',
  },
  // Who is calling, and what it may do.
  missing_api_key: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    when: 'client keys are configured and none was sent',
  },
  invalid_api_key: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    when: 'a wrong or malformed client key',
  },
  invalid_signature: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    when: 'a missing, stale, forged or replayed signature',
  },
  invalid_admin_key: {
    status: 401,
    type: 'authentication_error',
    retryable: false,
    when: 'a Ferry endpoint called without its admin key',
  },
  model_not_allowed: {
    status: 403,
    type: 'permission_error',
    retryable: false,
    when: 'the client may not use the model',
  },
  // Limits and money.
  websocket_busy: {
    status: 429,
    type: 'rate_limit_error',
    retryable: true,
    when: 'a Chat Completions WebSocket already has `maxInFlight` requests running (an error frame)',
  },
  rate_limit_exceeded: {
    status: 429,
    type: 'rate_limit_error',
    retryable: true,
    when: 'a request, token or concurrency limit (`type` names it), with Retry-After',
  },
  insufficient_quota: {
    status: 429,
    type: 'insufficient_quota',
    retryable: false,
    when: 'a hard spend budget is used up',
  },
  conversation_conflict: {
    status: 409,
    type: 'invalid_request_error',
    retryable: true,
    when: 'another turn of the conversation is in flight',
  },
  upstream_keys_cooling: {
    status: 429,
    type: 'rate_limit_error',
    retryable: true,
    when: 'every key of the upstream is cooling down after a 429',
  },
  upstream_rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    retryable: true,
    when: "the upstream's own quota, learned by pacing, is used up",
  },
  upstream_queue_full: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'the pacing queue of the upstream is full',
  },
  // Ferry's own state.
  rate_limit_store_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'limits cannot be checked (`onStoreFailure: closed`)',
  },
  budget_store_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'budgets cannot be checked (`onStoreFailure: closed`)',
  },
  nonce_store_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'nonces cannot be checked (`onNonceStoreFailure: reject`)',
  },
  usage_store_unavailable: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'the usage endpoint cannot read the ledger',
  },
  gateway_closing: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'the gateway is shutting down',
  },
  no_upstream: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: 'no upstream can take the request',
  },
  internal_error: {
    status: 500,
    type: 'server_error',
    retryable: true,
    when: 'anything unexpected (no message or stack leaks)',
  },
  // The upstream.
  upstream_unreachable: { status: 502, type: 'server_error', retryable: true, when: 'DNS or connect failed' },
  upstream_address_refused: {
    status: 502,
    type: 'server_error',
    retryable: false,
    when: 'the private-address guard refused the resolved address',
  },
  upstream_proxy_failed: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'the egress proxy refused or failed the tunnel',
  },
  upstream_connection_reset: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'the connection was reset before headers',
  },
  upstream_error: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'any other failure before headers',
  },
  upstream_stream_error: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'the body failed after it started (an error event on streams)',
  },
  upstream_stream_incomplete: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'a converted stream ended without its end marker',
  },
  envelope_failed: {
    status: 500,
    type: 'server_error',
    retryable: false,
    when: "a response envelope's mapping failed on an answer",
  },
  upstream_invalid_answer: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: "an answer to convert is not in the upstream API's shape",
  },
  invalid_upstream_tool_arguments: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'a converted answer had tool arguments that are not JSON',
  },
  summary_failed: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'the summariser failed (fit-context then trims)',
  },
  upstream_circuit_open: {
    status: 503,
    type: 'server_error',
    retryable: true,
    when: "the upstream's circuit is open (with Retry-After)",
  },
  upstream_connect_timeout: { status: 504, type: 'server_error', retryable: true, when: 'connect timed out' },
  upstream_timeout: {
    status: 504,
    type: 'server_error',
    retryable: true,
    when: 'no response headers within `firstByteTimeoutMs`',
  },
  upstream_idle_timeout: {
    status: 504,
    type: 'server_error',
    retryable: true,
    when: 'the body was silent for `idleTimeoutMs`',
  },
  // Never sent to a client: logged and counted.
  client_closed_request: {
    status: 499,
    type: 'invalid_request_error',
    retryable: false,
    when: 'logged only: the client left',
  },
  attempt_discarded: {
    status: 502,
    type: 'server_error',
    retryable: true,
    when: 'internal: an attempt replaced by another (retry, hedge)',
  },
} as const satisfies Record<string, CatalogueEntry>;

/** One row of the catalogue. */
export interface CatalogueEntry {
  readonly status: number;
  readonly type: CatalogueType;
  /** Whether sending the same request again could succeed. */
  readonly retryable: boolean;
  readonly when: string;
}

type CatalogueType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'server_error';

/** Every code a `GatewayError` may carry. */
export type ErrorCode = keyof typeof errorCatalogue;
