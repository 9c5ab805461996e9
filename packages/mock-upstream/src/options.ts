import type { MockQuota } from './quota.js';

/**
 * Knobs of the mock upstream. Every field is optional; see `defaultOptions` for the values used
 * when a field is left out. Per-request headers (`x-mock-latency-ms`, ...) override these.
 *
 * @example
 * const options: MockUpstreamOptions = { latencyMs: 20, chunks: 10, record: false };
 */
export interface MockUpstreamOptions {
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Delay before the response headers are sent. Default 0. */
  latencyMs?: number;
  /** Number of content chunks in a stream. Default 5. */
  chunks?: number;
  /** Delay between two stream events. Default 0. */
  chunkIntervalMs?: number;
  /** The assistant text, split across `chunks` chunks by code point. */
  content?: string;
  /** Length of embedding vectors when the request has no `dimensions`. Default 8. */
  embeddingDimensions?: number;
  /** Ids listed by `GET /v1/models`. */
  models?: string[];
  /** Keep a `RecordedRequest` per request. Default true; benchmarks pass false. */
  record?: boolean;
  /**
   * When set, requests without `authorization: Bearer <apiKey>` get a 401 (WebSocket upgrades
   * may send the key as the subprotocol `openai-insecure-api-key.<apiKey>` instead).
   */
  apiKey?: string;
  /**
   * How long a WebSocket (Realtime session or Responses WebSocket mode) may stay open before the
   * mock sends an error event (`websocket_connection_limit_reached`, or `session_expired` for
   * Realtime) and closes it. Default 3 600 000 (60 minutes), as OpenAI caps them.
   */
  webSocketLimitMs?: number;
  /**
   * A request quota like an upstream account's (`{ requests: 300, periodMs: 60_000, burst: 5 }`):
   * requests above it get a 429, and every answer carries `x-ratelimit-*-requests` headers.
   * Default: none. Setting it at run time starts a full bucket.
   */
  quota?: MockQuota | undefined;
}

/** Options with every default applied. `apiKey` stays optional: no key means no check. */
export type ResolvedOptions = Required<Omit<MockUpstreamOptions, 'apiKey' | 'quota'>> & {
  apiKey: string | undefined;
  quota: MockQuota | undefined;
};

/**
 * The values used for options that are left out.
 *
 * @example
 * defaultOptions.chunks; // 5
 */
export const defaultOptions: Readonly<ResolvedOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  latencyMs: 0,
  chunks: 5,
  chunkIntervalMs: 0,
  content: 'Hello from the mock upstream. 你好，世界！',
  embeddingDimensions: 8,
  models: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
  record: true,
  apiKey: undefined,
  webSocketLimitMs: 3_600_000,
  quota: undefined,
});

const nonNegativeIntegerFields = ['port', 'latencyMs', 'chunkIntervalMs'] as const;
const positiveIntegerFields = ['chunks', 'embeddingDimensions', 'webSocketLimitMs'] as const;

/**
 * Merges `options` over `base` and validates the result once, naming the bad field.
 *
 * @example
 * resolveOptions({ chunks: 3 }).chunks; // 3
 */
export function resolveOptions(
  options: Partial<MockUpstreamOptions> = {},
  base: Readonly<ResolvedOptions> = defaultOptions,
): ResolvedOptions {
  const resolved: ResolvedOptions = { ...base };
  for (const [key, value] of Object.entries(options)) {
    // An explicit `undefined` keeps the current value (callers pass optional flags through),
    // except for `apiKey`, where it is the only way to turn the check off again.
    if (value !== undefined || key === 'apiKey' || key === 'quota') Object.assign(resolved, { [key]: value });
  }
  for (const field of nonNegativeIntegerFields) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 0) {
      throw new TypeError(`mock upstream option '${field}' must be a non-negative integer`);
    }
  }
  for (const field of positiveIntegerFields) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 1) {
      throw new TypeError(`mock upstream option '${field}' must be a positive integer`);
    }
  }
  if (typeof resolved.host !== 'string' || resolved.host === '') {
    throw new TypeError("mock upstream option 'host' must be a non-empty string");
  }
  if (typeof resolved.content !== 'string') {
    throw new TypeError("mock upstream option 'content' must be a string");
  }
  if (!Array.isArray(resolved.models) || !resolved.models.every((model) => typeof model === 'string')) {
    throw new TypeError("mock upstream option 'models' must be an array of strings");
  }
  if (resolved.quota !== undefined && (typeof resolved.quota !== 'object' || resolved.quota === null)) {
    throw new TypeError("mock upstream option 'quota' must be an object");
  }
  if (resolved.apiKey !== undefined && (typeof resolved.apiKey !== 'string' || resolved.apiKey === '')) {
    throw new TypeError("mock upstream option 'apiKey' must be a non-empty string");
  }
  resolved.record = resolved.record !== false;
  // A private frozen copy: the caller may reuse its array, and responses are cached per array.
  resolved.models = Object.freeze([...resolved.models]) as string[];
  return resolved;
}
