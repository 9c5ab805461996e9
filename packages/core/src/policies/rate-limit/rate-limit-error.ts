import { GatewayError, type GatewayErrorOptions } from '../../errors.js';
import { formatResetDuration, retryAfterHeaders } from './rate-limit-headers.js';

/** A 429 from one of Ferry's own limits; `limit` names which one (the metrics label). */
export class RateLimitExceededError extends GatewayError {
  constructor(
    readonly limit: 'requests' | 'tokens' | 'concurrency',
    message: string,
    options: GatewayErrorOptions,
  ) {
    super('rate_limit_exceeded', message, options);
  }
}

/**
 * The 429 OpenAI answers when a limit is reached: `type` names the limit (`requests` or
 * `tokens`), `code` is `rate_limit_exceeded`, with `Retry-After` for when to come back.
 *
 * @example
 * throw rateLimitExceeded('requests', 100, 60, 12_000);
 */
export function rateLimitExceeded(
  kind: 'requests' | 'tokens' | 'concurrency',
  limit: number,
  windowSeconds: number,
  retryAfterMs: number,
  requested?: number,
): GatewayError {
  const period = kind === 'concurrency' ? 'concurrent requests' : `${kind} per ${windowSeconds}s`;
  const asked = requested === undefined ? '' : ` Requested ${requested}.`;
  return new RateLimitExceededError(
    kind,
    `Rate limit reached on ${period}: Limit ${limit}.${asked} Please try again in ${formatResetDuration(retryAfterMs)}.`,
    { type: kind === 'tokens' ? 'tokens' : 'requests', headers: retryAfterHeaders(retryAfterMs) },
  );
}
