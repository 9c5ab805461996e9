import type { LimitOutcome } from './window-limiter.js';

/**
 * A duration the way OpenAI writes `x-ratelimit-reset-*`: `20ms`, `1.5s`, `6m0s`.
 *
 * @example
 * formatResetDuration(360_000); // '6m0s'
 */
export function formatResetDuration(milliseconds: number): string {
  if (milliseconds < 1_000) return `${Math.max(0, Math.ceil(milliseconds))}ms`;
  const seconds = milliseconds / 1_000;
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60)}s`;
}

/** A limit as the headers describe it. */
export interface HeaderLimit {
  /** `requests` or `tokens`: OpenAI's suffix and the IETF policy name. */
  name: 'requests' | 'tokens';
  limit: number;
  windowSeconds: number;
}

/**
 * Writes OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` and the IETF
 * `RateLimit-Policy` / `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers: `q` quota,
 * `w` window, `r` remaining, `t` seconds to reset) for one limit into `headers`.
 *
 * @example
 * writeLimitHeaders(headers, { name: 'requests', limit: 100, windowSeconds: 60 }, outcome);
 */
export function writeLimitHeaders(
  headers: Record<string, string>,
  limit: HeaderLimit,
  outcome: Pick<LimitOutcome, 'remaining' | 'resetMs'>,
): void {
  const { name } = limit;
  headers[`x-ratelimit-limit-${name}`] = String(limit.limit);
  headers[`x-ratelimit-remaining-${name}`] = String(Math.max(0, outcome.remaining));
  headers[`x-ratelimit-reset-${name}`] = formatResetDuration(outcome.resetMs);
  appendItem(headers, 'ratelimit-policy', `"${name}";q=${limit.limit};w=${limit.windowSeconds}`);
  appendItem(
    headers,
    'ratelimit',
    `"${name}";r=${Math.max(0, outcome.remaining)};t=${Math.ceil(outcome.resetMs / 1_000)}`,
  );
}

function appendItem(headers: Record<string, string>, field: string, item: string): void {
  const current = headers[field];
  headers[field] = current === undefined ? item : `${current}, ${item}`;
}

/** `Retry-After` (whole seconds, at least 1) and `retry-after-ms`, which the OpenAI SDKs prefer. */
export function retryAfterHeaders(milliseconds: number): Record<string, string> {
  const wait = Math.max(1, Math.ceil(milliseconds));
  return { 'retry-after': String(Math.ceil(wait / 1_000)), 'retry-after-ms': String(wait) };
}
