import type { Redis } from 'ioredis';

/** How the limit answered one request. */
export interface LimitOutcome {
  allowed: boolean;
  /** Points left in the current window after this request (0 when limited). */
  remaining: number;
  /** Milliseconds until the current window resets. */
  resetMs: number;
  /** `Date.now()` at which the window this request counted in ends. */
  windowEndsAt: number;
  /** Set when the shared store failed and the limit counted locally (`insurance`) or not at all (`open`). */
  degraded: 'insurance' | 'open' | undefined;
  /** GCRA only: when this same cost would be admitted (a window's is `resetMs`). */
  retryAfterMs?: number | undefined;
}

export interface WindowLimiterOptions<Name extends string = string> {
  /** Used in the store key and the rate-limit header names: `requests`, `tokens`, `concurrency`. */
  name: Name;
  limit: number;
  /** 0: the count never expires by itself (concurrency in memory). */
  windowSeconds: number;
  onStoreFailure: 'insurance' | 'open' | 'closed';
  storeTimeoutMs: number;
  redis: Redis | undefined;
  keyPrefix: string;
  /**
   * Instances sharing the Redis limit (`redis.instances`): while Redis fails, this instance's
   * insurance limiter counts `limit / instances` (rounded up), so the fleet stays near the limit.
   */
  instances?: number | undefined;
}

/** What the admit and reserve stages count with: a fixed window or a GCRA bucket. */
export interface RequestLimiter<Name extends string = string> {
  readonly name: Name;
  /** The quota the headers show (a window's limit, a bucket's burst). */
  readonly limit: number;
  readonly windowSeconds: number;
  consume(key: string, points: number): Promise<LimitOutcome>;
  refund(key: string, points: number, outcome: LimitOutcome): Promise<void>;
  charge(key: string, points: number, outcome: LimitOutcome): Promise<void>;
}
