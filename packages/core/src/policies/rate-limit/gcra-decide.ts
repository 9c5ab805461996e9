import type { GcraParameters } from './gcra-limiter.js';

/** One GCRA step, in microseconds on the limiter's clock. */
export interface GcraStep {
  allowed: boolean;
  /** The arrival time to store (undefined: leave the stored one as it is). */
  tatUs: number | undefined;
  remaining: number;
  retryAfterUs: number;
  resetUs: number;
}

// Whole tokens that fit between `tatUs` and the tolerance; the epsilon keeps 100 × interval
// accumulated in floating point from reading as 99.999… tokens.
const tokensLeft = (tatUs: number, nowUs: number, parameters: GcraParameters) =>
  Math.max(0, Math.floor((parameters.toleranceUs - (tatUs - nowUs)) / parameters.intervalUs + 1e-9));

/**
 * The GCRA decision for `cost` tokens at `nowUs`, given the stored theoretical arrival time
 * (undefined: a full bucket). The Redis script (gcra-redis-script.ts) does the same arithmetic
 * in the same order on the same doubles, so both limiters decide identically for the same clock.
 *
 * @example
 * const step = decideGcra(undefined, 0, 1, gcraParameters({ rate: 10, periodMs: 1_000, burst: 5 }));
 * // { allowed: true, tatUs: 100000, remaining: 4, retryAfterUs: 0, resetUs: 100000 }
 */
export function decideGcra(
  storedTatUs: number | undefined,
  nowUs: number,
  cost: number,
  parameters: GcraParameters,
): GcraStep {
  const tat = storedTatUs === undefined || storedTatUs < nowUs ? nowUs : storedTatUs;
  const nextTat = tat + cost * parameters.intervalUs;
  const allowAt = nextTat - parameters.toleranceUs;
  if (allowAt > nowUs) {
    return {
      allowed: false,
      tatUs: undefined,
      remaining: tokensLeft(tat, nowUs, parameters),
      retryAfterUs: Math.ceil(allowAt - nowUs),
      resetUs: Math.ceil(tat - nowUs),
    };
  }
  return {
    allowed: true,
    tatUs: nextTat,
    remaining: tokensLeft(nextTat, nowUs, parameters),
    retryAfterUs: 0,
    resetUs: Math.ceil(nextTat - nowUs),
  };
}

/**
 * Moves the arrival time by `deltaUs` without a check: negative for a refund (never past a full
 * bucket), positive for a charge. Returns the arrival time to store, or undefined when the
 * bucket is full and the key can go.
 *
 * @example
 * adjustGcra(300_000, 100_000, -100_000); // 200000: one token of 100 ms given back
 */
export function adjustGcra(
  storedTatUs: number | undefined,
  nowUs: number,
  deltaUs: number,
): number | undefined {
  const tat = (storedTatUs === undefined || storedTatUs < nowUs ? nowUs : storedTatUs) + deltaUs;
  return tat <= nowUs ? undefined : tat;
}
