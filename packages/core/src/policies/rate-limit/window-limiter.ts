import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';
import { GatewayError } from '../../errors.js';
import { createGcraWindowLimiter } from './gcra-window-limiter.js';
import type { LimitOutcome, RequestLimiter, WindowLimiterOptions } from './limiter-types.js';

export type { LimitOutcome, RequestLimiter, WindowLimiterOptions } from './limiter-types.js';

/**
 * One fixed-window limit on rate-limiter-flexible: in memory, or on Redis (atomic Lua
 * increment, so concurrent requests on every instance see one count) wrapped in a timeout.
 * A rejection that is a `RateLimiterRes` means "limited"; an `Error` means the store failed,
 * and the per-limit `onStoreFailure` decides: count in memory meanwhile, admit, or answer 503.
 *
 * @example
 * const limiter = createWindowLimiter({ name: 'requests', limit: 100, windowSeconds: 60,
 *   onStoreFailure: 'insurance', storeTimeoutMs: 250, redis: undefined, keyPrefix: 'ferry:' });
 * const outcome = await limiter.consume('key_abc', 1);
 */
export function createWindowLimiter<Name extends string>(options: WindowLimiterOptions<Name>) {
  const { name, limit, windowSeconds, onStoreFailure, redis } = options;
  const keyPrefix = `${options.keyPrefix}rl:${name}:${windowSeconds}`;
  // The memory limiter is the whole limit without Redis, and the insurance limiter with it:
  // then it counts this instance's share, so the fleet together stays near the limit.
  const points = redis === undefined ? limit : insuranceShare(limit, options.instances);
  const memory = new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix });
  const insurance = redis !== undefined && onStoreFailure === 'insurance' ? memory : undefined;
  const primary: RateLimiterAbstract =
    redis === undefined
      ? memory
      : (new RLWrapperTimeouts({
          // Fail at once while disconnected instead of waiting for a command that cannot run.
          limiter: new RateLimiterRedis({
            storeClient: redis,
            points: limit,
            duration: windowSeconds,
            keyPrefix,
            rejectIfRedisNotReady: true,
          }),
          timeoutMs: options.storeTimeoutMs,
        }) as unknown as RateLimiterAbstract);

  const outcomeOf = (
    result: RateLimiterRes,
    allowed: boolean,
    degraded: LimitOutcome['degraded'],
  ): LimitOutcome => ({
    allowed,
    remaining: allowed ? result.remainingPoints : 0,
    resetMs: Math.max(0, result.msBeforeNext),
    windowEndsAt: Date.now() + Math.max(0, result.msBeforeNext),
    degraded,
  });

  const storeFailure = async (key: string, points: number, error: unknown): Promise<LimitOutcome> => {
    if (insurance !== undefined) {
      try {
        return outcomeOf(await insurance.consume(key, points), true, 'insurance');
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return outcomeOf(rejection, false, 'insurance');
        throw rejection;
      }
    }
    if (onStoreFailure === 'closed') {
      throw new GatewayError('rate_limit_store_unavailable', 'Rate limiting is unavailable; retry shortly.', {
        type: 'server_error',
        headers: { 'retry-after': '1' },
        cause: error,
      });
    }
    return { allowed: true, remaining: limit, resetMs: 0, windowEndsAt: Date.now(), degraded: 'open' };
  };
  // Refunds and charges go to the limiter that counted the request, never across stores.
  const counterOf = (outcome: LimitOutcome) => (outcome.degraded === 'insurance' ? memory : primary);

  return {
    name,
    limit,
    windowSeconds,
    /** Counts `points` against `key`; never rejects except with a 503 GatewayError (fail-closed). */
    async consume(key: string, points: number): Promise<LimitOutcome> {
      try {
        return outcomeOf(await primary.consume(key, points), true, undefined);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return outcomeOf(rejection, false, undefined);
        return storeFailure(key, points, rejection);
      }
    },
    /**
     * Gives `points` back, only inside the window they were counted in: a refund in a later
     * window would raise that window's allowance instead.
     */
    async refund(key: string, points: number, outcome: LimitOutcome): Promise<void> {
      if (points <= 0 || outcome.degraded === 'open' || Date.now() >= outcome.windowEndsAt) return;
      await counterOf(outcome)
        .reward(key, points)
        .catch(() => {});
    },
    /** Counts `points` more than were reserved (usage above the reservation). */
    async charge(key: string, points: number, outcome: LimitOutcome): Promise<void> {
      if (points <= 0 || outcome.degraded === 'open') return;
      await counterOf(outcome)
        .penalty(key, points)
        .catch(() => {});
    },
  };
}

/**
 * One instance's share of a limit while the shared store is down: `limit / instances`, rounded
 * up, at least 1.
 *
 * @example
 * insuranceShare(100, 3); // 34
 */
export function insuranceShare(limit: number, instances = 1): number {
  return Math.max(1, Math.ceil(limit / instances));
}

export type WindowLimiter = ReturnType<typeof createWindowLimiter<string>>;

/**
 * The configured limit plus the limits some clients carry (`clients[].limits`): one limiter per
 * distinct (limit, window), built on first use. `for` returns undefined when neither applies.
 *
 * @example
 * const family = createLimiterFamily({ name: 'requests', ...shared }, options.limits.requests);
 * family.for(context.client?.limits?.requestsPerMinute)?.consume(key, 1);
 */
export function createLimiterFamily<Name extends string>(
  shared: Omit<WindowLimiterOptions<Name>, 'limit' | 'windowSeconds' | 'onStoreFailure'>,
  configured:
    | {
        limit: number;
        windowSeconds: number;
        onStoreFailure: WindowLimiterOptions['onStoreFailure'];
        algorithm?: 'fixed-window' | 'gcra';
        burst?: number | undefined;
      }
    | undefined,
  clientWindowSeconds = 60,
) {
  const create = (limit: NonNullable<typeof configured>): RequestLimiter<Name> =>
    limit.algorithm === 'gcra'
      ? createGcraWindowLimiter({ ...shared, ...limit, burst: limit.burst ?? limit.limit })
      : createWindowLimiter({ ...shared, ...limit });
  const members = new Map<string, RequestLimiter<Name>>();
  const base = configured === undefined ? undefined : create(configured);
  const onStoreFailure = configured?.onStoreFailure ?? 'insurance';
  return {
    /** The limiter for a client's own limit (per minute), else the configured one. */
    for(clientLimit: number | undefined) {
      if (clientLimit === undefined) return base;
      const id = String(clientLimit);
      let member = members.get(id);
      if (member === undefined) {
        // A client's own per-minute limit takes the configured algorithm (GCRA: burst = the limit).
        member = create({
          limit: clientLimit,
          windowSeconds: clientWindowSeconds,
          onStoreFailure,
          algorithm: configured?.algorithm,
        });
        members.set(id, member);
      }
      return member;
    },
  };
}
