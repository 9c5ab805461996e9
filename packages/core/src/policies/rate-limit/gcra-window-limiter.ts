import { GatewayError } from '../../errors.js';
import { type GcraDecision, type GcraLimit, gcraHeaderLimit } from './gcra-limiter.js';
import { createMemoryGcraLimiter } from './gcra-memory-limiter.js';
import { createRedisGcraLimiter } from './gcra-redis-limiter.js';
import type { LimitOutcome, RequestLimiter, WindowLimiterOptions } from './limiter-types.js';

/**
 * A limit with `algorithm: 'gcra'` behind the same interface the admit and reserve stages use for
 * a fixed window: `limit` per `windowSeconds` is the sustained rate, `burst` (default `limit`)
 * the bucket depth, so no boundary ever lets twice the limit through. On Redis one Lua script
 * decides on Redis's clock; a store failure takes the limit's `onStoreFailure` path (insurance in
 * memory, open, or closed), as a window does. A refused request took nothing, so it is never
 * refunded.
 *
 * @example
 * const limiter = createGcraWindowLimiter({ name: 'requests', limit: 100, windowSeconds: 60, burst: 20,
 *   onStoreFailure: 'insurance', storeTimeoutMs: 500, redis: undefined, keyPrefix: 'ferry:' });
 */
export function createGcraWindowLimiter<Name extends string>(
  options: WindowLimiterOptions<Name> & { burst: number },
): RequestLimiter<Name> & { close(): Promise<void> } {
  const { name, onStoreFailure, redis } = options;
  const bucket: GcraLimit = {
    rate: options.limit,
    periodMs: options.windowSeconds * 1_000,
    burst: options.burst,
  };
  const header = gcraHeaderLimit(name, bucket);
  // Without Redis the whole bucket; as insurance, this instance's share of rate and burst.
  const instances = redis === undefined ? 1 : (options.instances ?? 1);
  const memory = createMemoryGcraLimiter(
    instances === 1
      ? bucket
      : {
          rate: bucket.rate / instances,
          periodMs: bucket.periodMs,
          burst: Math.max(1, Math.ceil(bucket.burst / instances)),
        },
  );
  const primary =
    redis === undefined
      ? memory
      : createRedisGcraLimiter({
          ...bucket,
          redis,
          name,
          keyPrefix: options.keyPrefix,
          timeoutMs: options.storeTimeoutMs,
        });

  const outcomeOf = (decision: GcraDecision, degraded: LimitOutcome['degraded']): LimitOutcome => {
    if (decision.status === 'exceeds-burst') {
      return { allowed: false, remaining: 0, resetMs: 0, windowEndsAt: Date.now(), degraded };
    }
    return {
      allowed: decision.allowed,
      remaining: decision.remaining,
      resetMs: decision.resetMs,
      windowEndsAt: Date.now() + decision.resetMs,
      degraded,
      retryAfterMs: decision.retryAfterMs,
    };
  };
  const counterOf = (outcome: LimitOutcome) => (outcome.degraded === 'insurance' ? memory : primary);

  return {
    name,
    /** What the headers show: the burst is the quota, the refill time of a full bucket the window. */
    limit: header.limit,
    windowSeconds: header.windowSeconds,
    async consume(key: string, points: number): Promise<LimitOutcome> {
      try {
        return outcomeOf(await primary.consume(key, points), undefined);
      } catch (error) {
        if (redis !== undefined && onStoreFailure === 'insurance')
          return outcomeOf(await memory.consume(key, points), 'insurance');
        if (onStoreFailure === 'closed') {
          throw new GatewayError(
            'rate_limit_store_unavailable',
            'Rate limiting is unavailable; retry shortly.',
            {
              type: 'server_error',
              headers: { 'retry-after': '1' },
              cause: error,
            },
          );
        }
        return {
          allowed: true,
          remaining: header.limit,
          resetMs: 0,
          windowEndsAt: Date.now(),
          degraded: 'open',
        };
      }
    },
    /** Gives tokens back (a reservation above the use); a refused request took none. */
    async refund(key: string, points: number, outcome: LimitOutcome): Promise<void> {
      if (points <= 0 || !outcome.allowed || outcome.degraded === 'open') return;
      await counterOf(outcome)
        .refund(key, points)
        .catch(() => {});
    },
    async charge(key: string, points: number, outcome: LimitOutcome): Promise<void> {
      if (points <= 0 || outcome.degraded === 'open') return;
      await counterOf(outcome)
        .charge(key, points)
        .catch(() => {});
    },
    close: () =>
      Promise.all([memory.close(), primary === memory ? undefined : primary.close()]).then(() => undefined),
  };
}
