import { performance } from 'node:perf_hooks';
import { adjustGcra, decideGcra } from './gcra-decide.js';
import {
  checkCost,
  type GcraDecision,
  type GcraLimit,
  type GcraLimiter,
  gcraParameters,
} from './gcra-limiter.js';

export interface MemoryGcraLimiterOptions extends GcraLimit {
  /** How often buckets that refilled completely are dropped (they equal an absent key). */
  sweepIntervalMs?: number;
}

/** A GCRA limiter in this process's memory; `size` is the number of buckets it holds. */
export type MemoryGcraLimiter = GcraLimiter & { readonly size: number };

/**
 * GCRA in one process: the whole limit without Redis, and the insurance limiter while Redis
 * fails. One number per key; a key whose bucket is full again is deleted when read and by a
 * sweep (its timer does not keep the process alive), so memory holds only the keys that spent
 * tokens within the last refill time.
 *
 * @example
 * const limiter = createMemoryGcraLimiter({ rate: 100, periodMs: 60_000, burst: 100 });
 * const decision = await limiter.consume('key:abc', 1);
 */
export function createMemoryGcraLimiter(options: MemoryGcraLimiterOptions): MemoryGcraLimiter {
  const { sweepIntervalMs = 30_000, ...limit } = options;
  const parameters = gcraParameters(limit);
  const buckets = new Map<string, number>();
  // A monotonic clock (a wall-clock step must not refill or drain every bucket at once), in
  // whole microseconds like Redis TIME, so both limiters compute on the same kind of numbers.
  const nowUs = () => Math.floor((performance.timeOrigin + performance.now()) * 1_000);
  const sweep = setInterval(() => {
    const now = nowUs();
    for (const [key, tat] of buckets) if (tat <= now) buckets.delete(key);
  }, sweepIntervalMs);
  sweep.unref();
  const store = (key: string, tat: number | undefined) => {
    if (tat === undefined) buckets.delete(key);
    else buckets.set(key, tat);
  };

  return {
    limit,
    get size() {
      return buckets.size;
    },
    async consume(key, cost = 1): Promise<GcraDecision> {
      checkCost(cost);
      if (cost > parameters.burst) {
        return { status: 'exceeds-burst', allowed: false, cost, burst: parameters.burst };
      }
      const now = nowUs();
      const step = decideGcra(buckets.get(key), now, cost, parameters);
      const at = now / 1_000;
      const state = { remaining: step.remaining, resetMs: step.resetUs / 1_000, at };
      if (!step.allowed) {
        return { status: 'limited', allowed: false, retryAfterMs: step.retryAfterUs / 1_000, ...state };
      }
      store(key, step.tatUs);
      return { status: 'allowed', allowed: true, retryAfterMs: 0, ...state };
    },
    async refund(key, cost) {
      checkCost(cost);
      store(key, adjustGcra(buckets.get(key), nowUs(), -cost * parameters.intervalUs));
    },
    async charge(key, cost) {
      checkCost(cost);
      store(key, adjustGcra(buckets.get(key), nowUs(), cost * parameters.intervalUs));
    },
    async close() {
      clearInterval(sweep);
      buckets.clear();
    },
  };
}
