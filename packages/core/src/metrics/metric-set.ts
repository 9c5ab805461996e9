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
    storeDegraded: new Gauge({
      name: `${prefix}store_degraded`,
      help: 'Whether a shared store (Redis, by use: limits, nonces, spend, cache, pacing) is failing: 1 degraded, 0 answering.',
      labelNames: ['store'] as const,
      registers,
    }),
    filterActions: new Counter({
      name: `${prefix}filter_actions_total`,
      help: 'What the content filter did: request blocked or masked, answer masked or stopped.',
      labelNames: ['action'] as const,
      registers,
    }),
    keyCooldowns: new Counter({
      name: `${prefix}key_cooldowns_total`,
      help: "Times a key (or deployment) of an upstream's pool answered 429 and was set aside.",
      labelNames: ['upstream'] as const,
      registers,
    }),
    upstreamQueue: new Gauge({
      name: `${prefix}upstream_queue_length`,
      help: 'Requests waiting for an upstream slot under pacing, after the last answer.',
      labelNames: ['upstream'] as const,
      registers,
    }),
    upstreamRemaining: new Gauge({
      name: `${prefix}upstream_ratelimit_remaining_ratio`,
      help: "The upstream's x-ratelimit-remaining-requests over its limit, after the last answer that sent both.",
      labelNames: ['upstream'] as const,
      registers,
    }),
    budgetCrossings: new Counter({
      name: `${prefix}budget_crossings_total`,
      help: "A key's or tenant's spend passed its soft or hard budget.",
      labelNames: ['level', 'scope'] as const,
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
