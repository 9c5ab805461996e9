import { performance } from 'node:perf_hooks';
import { openAiErrorBody } from './openai-errors.js';
import { jsonResponse, type PlannedResponse } from './planned-response.js';

/**
 * A request quota like an upstream account's: a token bucket of `burst` requests refilled at
 * `requests` per `periodMs`. Requests above it get OpenAI's 429, and every answer carries
 * OpenAI's `x-ratelimit-*-requests` headers (the limit per minute, what remains, when the bucket
 * is full again).
 *
 * @example
 * const options: MockQuota = { requests: 300, periodMs: 60_000, burst: 5 }; // 300 RPM
 */
export interface MockQuota {
  requests: number;
  periodMs: number;
  /** Requests that may arrive at once after a quiet spell. Default 1. */
  burst?: number;
}

/** How many requests the quota refused and admitted since the mock started (or was reset). */
export interface QuotaCounts {
  admitted: number;
  refused: number;
}

const rateLimitedBody = openAiErrorBody(
  'Rate limit reached for requests (quota of the mock upstream).',
  'requests',
  'rate_limit_exceeded',
);

/** `1.5s` / `120ms`, OpenAI's reset format. */
const resetText = (ms: number) => (ms >= 1_000 ? `${(ms / 1_000).toFixed(3)}s` : `${Math.ceil(ms)}ms`);

/**
 * The quota's state: one theoretical arrival time (GCRA), in ms on the monotonic clock.
 *
 * @example
 * const quota = new QuotaBucket({ requests: 300, periodMs: 60_000, burst: 5 });
 * const refusal = quota.take(); // undefined when admitted; a 429 response otherwise
 */
export class QuotaBucket {
  readonly counts: QuotaCounts = { admitted: 0, refused: 0 };
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #perMinute: string;
  #tat = 0;

  constructor(quota: MockQuota) {
    const burst = quota.burst ?? 1;
    for (const [field, value] of [
      ['requests', quota.requests],
      ['periodMs', quota.periodMs],
      ['burst', burst],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new TypeError(`mock upstream option 'quota.${field}' must be a positive number`);
      }
    }
    this.#intervalMs = quota.periodMs / quota.requests;
    this.#toleranceMs = burst * this.#intervalMs;
    this.#perMinute = String(Math.round((quota.requests * 60_000) / quota.periodMs));
  }

  /** Spends one request: undefined when admitted, else the 429 to send. */
  take(): { refusal: PlannedResponse | undefined; headers: string[] } {
    const now = performance.now();
    const tat = Math.max(this.#tat, now);
    const next = tat + this.#intervalMs;
    // Compared as a difference: `now + interval - tolerance` may round above `now`.
    const waitMs = tat - now + this.#intervalMs - this.#toleranceMs;
    if (waitMs > 1e-6) {
      this.counts.refused++;
      const headers = this.#headers(tat, now);
      headers.push(
        'retry-after-ms',
        String(Math.ceil(waitMs)),
        'retry-after',
        String(Math.ceil(waitMs / 1_000)),
      );
      const planned = jsonResponse(429, rateLimitedBody);
      return { refusal: { ...planned, headers: [...planned.headers, ...headers] }, headers };
    }
    this.#tat = next;
    this.counts.admitted++;
    return { refusal: undefined, headers: this.#headers(next, now) };
  }

  reset(): void {
    this.#tat = 0;
    this.counts.admitted = 0;
    this.counts.refused = 0;
  }

  #headers(tat: number, now: number): string[] {
    const remaining = Math.max(0, Math.floor((this.#toleranceMs - (tat - now)) / this.#intervalMs + 1e-9));
    return [
      'x-ratelimit-limit-requests',
      this.#perMinute,
      'x-ratelimit-remaining-requests',
      String(remaining),
      'x-ratelimit-reset-requests',
      resetText(Math.max(0, tat - now)),
    ];
  }
}
