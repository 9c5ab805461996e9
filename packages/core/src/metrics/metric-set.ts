import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Histogram bounds in seconds, one list per histogram. */
export interface MetricBuckets {
  requestDurationSeconds: number[];
  overheadSeconds: number[];
  firstByteSeconds: number[];
}

/**
 * Ferry's metrics, registered on the given registry. Names follow the Prometheus conventions
 * (base units, `_total` for counters); docs/metrics.md describes each one.
 *
 * @example
 * const set = createMetricSet(new Registry(), 'ferry_', buckets, { breakerState, requests, tokens });
 */
export function createMetricSet(
  registry: Registry,
  prefix: string,
  buckets: MetricBuckets,
  /** Run at scrape time: set the breaker states, hand over the deferred counts. */
  collectors: { breakerState: () => void; requests: () => void; tokens: () => void },
) {
  const registers = [registry];
  return {
    requests: new Counter({
      name: `${prefix}requests_total`,
      help: 'Requests answered, by route, method, status and the upstream that served them.',
      labelNames: ['route', 'method', 'status', 'upstream'] as const,
      registers,
      collect: collectors.requests,
    }),
    duration: new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'Time from the request reaching Ferry to the end of its response body.',
      labelNames: ['route', 'upstream'] as const,
      buckets: buckets.requestDurationSeconds,
      registers,
    }),
    overhead: new Histogram({
      name: `${prefix}gateway_overhead_seconds`,
      help: "Ferry's own time per request until the response headers, without upstream waits (Server-Timing).",
      buckets: buckets.overheadSeconds,
      registers,
    }),
    firstByte: new Histogram({
      name: `${prefix}upstream_first_byte_seconds`,
      help: 'Time from sending an attempt upstream to its response headers.',
      labelNames: ['upstream'] as const,
      buckets: buckets.firstByteSeconds,
      registers,
    }),
    inFlight: new Gauge({
      name: `${prefix}requests_in_flight`,
      help: 'Requests being handled, until their response body ends.',
      registers,
    }),
    tokens: new Counter({
      name: `${prefix}tokens_total`,
      help: 'Tokens used, as the upstream reported them (or estimated for a cut stream).',
      labelNames: ['upstream', 'model', 'kind'] as const,
      registers,
      collect: collectors.tokens,
    }),
    errors: new Counter({
      name: `${prefix}errors_total`,
      help: 'Requests that ended in a Ferry error, by its code.',
      labelNames: ['code'] as const,
      registers,
    }),
    retries: new Counter({
      name: `${prefix}retries_total`,
      help: 'Attempts sent again to an upstream by the retry policy.',
      labelNames: ['upstream'] as const,
      registers,
    }),
    fallbacks: new Counter({
      name: `${prefix}fallbacks_total`,
      help: 'Moves down the fallback chain, by the upstream left and why (status or error code).',
      labelNames: ['from', 'reason'] as const,
      registers,
    }),
    breakerState: new Gauge({
      name: `${prefix}breaker_state`,
      help: 'Circuit breaker state per upstream: 0 closed, 0.5 half-open, 1 open.',
      labelNames: ['upstream'] as const,
      registers,
      collect: collectors.breakerState,
    }),
    cache: new Counter({
      name: `${prefix}cache_requests_total`,
      help: 'Requests the exact cache looked at, by result: hit, miss or bypass.',
      labelNames: ['result'] as const,
      registers,
    }),
    coalesced: new Counter({
      name: `${prefix}coalesced_requests_total`,
      help: 'Requests that shared one upstream call: the leader made it, joined callers shared it.',
      labelNames: ['role'] as const,
      registers,
    }),
    spend: new Counter({
      name: `${prefix}spend_usd_total`,
      help: 'What answers cost by the price table, in USD (with budgets configured).',
      labelNames: ['upstream', 'model'] as const,
      registers,
    }),
    savedTokens: new Counter({
      name: `${prefix}saved_tokens_total`,
      help: 'Upstream tokens not paid for: answers served by the cache, or shared by a coalesced call.',
      labelNames: ['reason'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: `${prefix}rate_limited_total`,
      help: "Requests refused by one of Ferry's own limits (requests, tokens, concurrency).",
      labelNames: ['limit'] as const,
      registers,
    }),
  };
}

export type MetricSet = ReturnType<typeof createMetricSet>;
