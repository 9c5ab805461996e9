import type { Redis } from 'ioredis';
import {
  checkCost,
  type GcraDecision,
  type GcraLimit,
  type GcraLimiter,
  gcraParameters,
} from './gcra-limiter.js';
import { gcraAdjustScript, gcraConsumeScript } from './gcra-redis-script.js';

export interface RedisGcraLimiterOptions extends GcraLimit {
  redis: Redis;
  /** Used in the key, like the window limiter's: `requests`, `tokens`. */
  name: string;
  /** The gateway's Redis key prefix (`redis.keyPrefix`, default `ferry:`). */
  keyPrefix: string;
  /** A decision slower than this rejects with a GcraStoreError (the `storeTimeoutMs` of the limits). */
  timeoutMs?: number;
}

/** The Redis side of a GCRA limiter failed or did not answer in time; the decision is unknown. */
export class GcraStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GcraStoreError';
  }
}

type Reply = [allowed: number, remaining: number, retryAfterUs: number, resetUs: number, nowUs: number];
interface GcraCommands {
  ferryGcraConsume(key: string, intervalUs: string, toleranceUs: string, cost: string): Promise<Reply>;
  ferryGcraAdjust(key: string, deltaUs: string): Promise<number>;
}

/**
 * The Redis key of one bucket: the gateway's prefix, then `rl:<name>:gcra:`, then the limit key
 * in a hash tag, so that in a cluster every limit of one client (requests, tokens) lands in one
 * slot and a later script may read several of them atomically.
 *
 * @example
 * gcraKey('ferry:', 'requests', 'tenant:acme'); // 'ferry:rl:requests:gcra:{tenant:acme}'
 */
export function gcraKey(keyPrefix: string, name: string, key: string): string {
  return `${keyPrefix}rl:${name}:gcra:{${key}}`;
}

/**
 * GCRA on Redis: one Lua script per decision (EVALSHA through ioredis `defineCommand`, which
 * loads the script with EVAL on a new connection and again after NOSCRIPT, e.g. once Redis
 * restarted), on one key per limit key, with Redis's clock. Exact under any concurrency and
 * across instances. A store failure (Redis down: the offline queue is off; or slower than
 * `timeoutMs`) rejects with a GcraStoreError; "limited" is a resolved decision, never an error.
 *
 * @example
 * const limiter = createRedisGcraLimiter({ redis, name: 'requests', keyPrefix: 'ferry:',
 *   rate: 100, periodMs: 60_000, burst: 100, timeoutMs: 500 });
 * const decision = await limiter.consume('key:abc', 1);
 */
export function createRedisGcraLimiter(options: RedisGcraLimiterOptions): GcraLimiter {
  const { redis, name, keyPrefix, timeoutMs, ...limit } = options;
  const parameters = gcraParameters(limit);
  // Both numbers are sent as JavaScript prints them (shortest exact form) and parsed by Lua into
  // the same doubles, so the script computes with exactly the values decideGcra would.
  const intervalUs = String(parameters.intervalUs);
  const toleranceUs = String(parameters.toleranceUs);
  // The gateway shares one client between limiters; each command is defined on it once.
  const client = redis as Redis & GcraCommands;
  if (typeof client.ferryGcraConsume !== 'function') {
    redis.defineCommand('ferryGcraConsume', { numberOfKeys: 1, lua: gcraConsumeScript });
  }
  if (typeof client.ferryGcraAdjust !== 'function') {
    redis.defineCommand('ferryGcraAdjust', { numberOfKeys: 1, lua: gcraAdjustScript });
  }

  const call = <T>(run: () => Promise<T>): Promise<T> => {
    // Fail at once while disconnected, as the window limiter does (`rejectIfRedisNotReady`).
    if (redis.status !== 'ready') {
      return Promise.reject(new GcraStoreError(`Redis is not ready (${redis.status})`));
    }
    return new Promise<T>((resolve, reject) => {
      const fail = (error: unknown) =>
        reject(
          error instanceof GcraStoreError
            ? error
            : new GcraStoreError(`Redis GCRA call failed: ${(error as Error)?.message ?? error}`, {
                cause: error,
              }),
        );
      // A script that answers after the timeout still counted in Redis: the caller's insurance
      // limiter counts it again, as with the window limiter's RLWrapperTimeouts.
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => fail(new GcraStoreError(`Redis did not answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
      run().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          fail(error);
        },
      );
    });
  };
  const adjust = async (key: string, deltaUs: number) => {
    await call(() => client.ferryGcraAdjust(gcraKey(keyPrefix, name, key), String(deltaUs)));
  };

  return {
    limit,
    async consume(key, cost = 1): Promise<GcraDecision> {
      checkCost(cost);
      // Never admissible: answered without a round trip, and the same while Redis is down.
      if (cost > parameters.burst) {
        return { status: 'exceeds-burst', allowed: false, cost, burst: parameters.burst };
      }
      const [allowed, remaining, retryAfterUs, resetUs, nowUs] = await call(() =>
        client.ferryGcraConsume(gcraKey(keyPrefix, name, key), intervalUs, toleranceUs, String(cost)),
      );
      const state = { remaining, resetMs: resetUs / 1_000, at: nowUs / 1_000 };
      return allowed === 1
        ? { status: 'allowed', allowed: true, retryAfterMs: 0, ...state }
        : { status: 'limited', allowed: false, retryAfterMs: retryAfterUs / 1_000, ...state };
    },
    async refund(key, cost) {
      checkCost(cost);
      if (cost > 0) await adjust(key, -cost * parameters.intervalUs);
    },
    async charge(key, cost) {
      checkCost(cost);
      if (cost > 0) await adjust(key, cost * parameters.intervalUs);
    },
    async close() {
      // The connection belongs to whoever created it (the gateway closes it once).
    },
  };
}
