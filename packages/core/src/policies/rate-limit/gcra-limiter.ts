/**
 * A GCRA (generic cell rate algorithm) limit: a token bucket of `burst` tokens that refills
 * `rate` tokens every `periodMs`, kept as one timestamp per key (the theoretical arrival time).
 * Unlike a fixed window it never admits more than `burst + rate × elapsed / periodMs` in any
 * interval, so there is no 2× burst across a window boundary.
 *
 * @example
 * const limit: GcraLimit = { rate: 100, periodMs: 60_000, burst: 100 }; // 100/min, 100 at once
 */
export interface GcraLimit {
  /** Tokens added back per `periodMs` (the sustained rate). */
  rate: number;
  periodMs: number;
  /** Bucket depth: the most tokens one key may spend at once after a quiet spell. */
  burst: number;
}

/** The decision for one `consume`; `status` tells the three apart. */
export type GcraDecision = GcraAdmitted | GcraLimited | GcraExceedsBurst;

interface GcraBucketState {
  /** Whole tokens left in the bucket after this decision. */
  remaining: number;
  /** Milliseconds until the bucket is full again (the IETF `RateLimit` `t`, `x-ratelimit-reset-*`). */
  resetMs: number;
  /** The limiter clock's time of the decision, in ms (Redis `TIME` for the Redis limiter). */
  at: number;
}

export interface GcraAdmitted extends GcraBucketState {
  status: 'allowed';
  allowed: true;
  retryAfterMs: 0;
}

export interface GcraLimited extends GcraBucketState {
  status: 'limited';
  allowed: false;
  /** Milliseconds until this same cost would be admitted (`Retry-After`, `retry-after-ms`). */
  retryAfterMs: number;
}

/**
 * The cost is larger than the whole bucket: it can never be admitted, so there is no time to
 * come back and no store was asked. Answer it like a request above the limit, not with Retry-After.
 */
export interface GcraExceedsBurst {
  status: 'exceeds-burst';
  allowed: false;
  cost: number;
  burst: number;
}

/**
 * A GCRA limiter, in memory or on Redis, with the same semantics. `consume` and `refund`
 * reject with an `Error` only when the store fails (never for "limited"), so the caller's
 * `onStoreFailure` choice (insurance, open, closed) applies as it does to the window limiter.
 *
 * @example
 * const decision = await limiter.consume('key:abc', 1);
 * if (decision.status === 'limited') retryAfterHeaders(decision.retryAfterMs);
 */
export interface GcraLimiter {
  readonly limit: GcraLimit;
  /** Takes `cost` tokens (default 1) if the bucket holds them; otherwise takes nothing. */
  consume(key: string, cost?: number): Promise<GcraDecision>;
  /** Gives `cost` tokens back (a reservation larger than the use), never above `burst`. */
  refund(key: string, cost: number): Promise<void>;
  /** Takes `cost` tokens unconditionally (use above the reservation); the bucket may go below zero. */
  charge(key: string, cost: number): Promise<void>;
  close(): Promise<void>;
}

/** The limit in the units both implementations compute in: microseconds per token and of depth. */
export interface GcraParameters {
  /** Emission interval: microseconds one token takes to come back. */
  intervalUs: number;
  /** Delay tolerance: `burst × intervalUs`, how far the arrival time may run ahead of now. */
  toleranceUs: number;
  burst: number;
}

/**
 * Checks a limit once, at construction, with an error that names the field.
 *
 * @example
 * gcraParameters({ rate: 10, periodMs: 1_000, burst: 5 }); // { intervalUs: 100000, toleranceUs: 500000, burst: 5 }
 */
export function gcraParameters(limit: GcraLimit): GcraParameters {
  for (const field of ['rate', 'periodMs', 'burst'] as const) {
    const value = limit[field];
    if (!Number.isFinite(value) || value <= 0) {
      throw new TypeError(`GCRA limit: "${field}" must be a positive number, got ${String(value)}`);
    }
  }
  const intervalUs = (limit.periodMs * 1_000) / limit.rate;
  return { intervalUs, toleranceUs: limit.burst * intervalUs, burst: limit.burst };
}

/** Refuses costs that are not finite non-negative numbers (a NaN cost would poison the bucket). */
export function checkCost(cost: number): void {
  if (!Number.isFinite(cost) || cost < 0) {
    throw new TypeError(`GCRA cost must be a finite number >= 0, got ${String(cost)}`);
  }
}

/**
 * The limit as the rate-limit headers describe it: the quota is the burst and the window is the
 * time a full bucket takes to refill, so `q/w` is the sustained rate and `q` what may go at once.
 *
 * @example
 * gcraHeaderLimit('requests', { rate: 100, periodMs: 60_000, burst: 20 }); // { limit: 20, windowSeconds: 12 }
 */
export function gcraHeaderLimit<Name extends string>(name: Name, limit: GcraLimit) {
  const refillMs = (limit.burst * limit.periodMs) / limit.rate;
  return { name, limit: limit.burst, windowSeconds: Math.max(1, Math.ceil(refillMs / 1_000)) };
}
