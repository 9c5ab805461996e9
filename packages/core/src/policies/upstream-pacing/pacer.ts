import { GatewayError } from '../../errors.js';
import { retryAfterHeaders } from '../rate-limit/rate-limit-headers.js';

/** 503: the queue of an upstream is full; `waitMs` is the expected wait, for Retry-After. */
export const queueFullError = (waitMs: number): GatewayError =>
  new GatewayError('upstream_queue_full', 'Too many requests are waiting for the upstream.', {
    headers: retryAfterHeaders(waitMs),
  });

/** 429: the upstream's quota frees a slot later than this request may wait. */
export const tooLateError = (waitMs: number): GatewayError =>
  new GatewayError(
    'upstream_rate_limited',
    `The upstream's quota frees a slot in ${Math.ceil(waitMs)} ms, later than this request may wait.`,
    { type: 'requests', headers: retryAfterHeaders(waitMs) },
  );

/** What pacing needs of a pacer, local (`createPacer`) or shared by the fleet (`createSharedPacer`). */
export interface Pacer {
  readonly queueLength: number;
  /**
   * Takes a slot if one is free now and nobody waits, with no promise and no abort signal to
   * create; false means the caller must `acquire` (a shared pacer always answers false: its
   * slots are decided in Redis).
   */
  tryAcquire(): boolean;
  /** Resolves when the request may go; rejects with 503 (queue full) or 429 (past `maxWaitMs`). */
  acquire(maxWaitMs: number, signal: AbortSignal): Promise<void>;
  /** Follows the upstream's own figures: its limit, and a pause until reset when none remain. */
  learn(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined): void;
  close(): void;
}

export interface PacerOptions {
  requestsPerMinute: number;
  burstRequests: number;
  maxQueueLength: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * Smooths requests to one upstream (key) to its quota: a token bucket refilled at
 * `requestsPerMinute` and `burstRequests` deep, with a bounded FIFO queue behind it. A request
 * that would wait longer than it may (queue full, or past its deadline) is refused at once,
 * and a waiter whose client leaves is taken out of the queue.
 *
 * @example
 * const pacer = createPacer({ requestsPerMinute: 3_000, burstRequests: 1, maxQueueLength: 1_000 });
 * await pacer.acquire(10_000, context.signal);
 */
export function createPacer(options: PacerOptions): Pacer {
  let intervalMs = 60_000 / options.requestsPerMinute;
  let tokens = options.burstRequests;
  let refilledAt = performance.now();
  let pausedUntil = 0;
  const queue: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;

  const refill = () => {
    const now = performance.now();
    tokens = Math.min(options.burstRequests, tokens + (now - refilledAt) / intervalMs);
    refilledAt = now;
  };
  const drain = () => {
    timer = undefined;
    refill();
    while (queue.length > 0 && tokens >= 1 && performance.now() >= pausedUntil) {
      tokens -= 1;
      const waiter = queue.shift() as Waiter;
      waiter.cleanup();
      waiter.resolve();
    }
    if (queue.length > 0) schedule();
  };
  const schedule = () => {
    if (timer !== undefined) return;
    const wait = Math.max((1 - tokens) * intervalMs, pausedUntil - performance.now(), 1);
    timer = setTimeout(drain, wait);
  };
  /** How long a request arriving now would wait. */
  const expectedWaitMs = () => {
    refill();
    const ahead = queue.length + 1 - tokens;
    return Math.max(ahead > 0 ? ahead * intervalMs : 0, pausedUntil - performance.now());
  };

  return {
    get queueLength() {
      return queue.length;
    },
    /**
     * Takes a slot if one is free now and nobody waits: the common case, with no promise and no
     * abort signal to create. False means the caller must `acquire`.
     */
    tryAcquire(): boolean {
      if (queue.length > 0 || expectedWaitMs() > 0) return false;
      tokens -= 1;
      return true;
    },
    /** Resolves when the request may go; rejects with 503 (queue full) or 429 (past `maxWaitMs`). */
    acquire(maxWaitMs: number, signal: AbortSignal): Promise<void> {
      const wait = expectedWaitMs();
      if (wait <= 0 && queue.length === 0) {
        tokens -= 1;
        return Promise.resolve();
      }
      if (queue.length >= options.maxQueueLength) return Promise.reject(queueFullError(wait));
      if (wait > maxWaitMs) return Promise.reject(tooLateError(wait));
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index !== -1) queue.splice(index, 1);
          reject(signal.reason);
        };
        const waiter: Waiter = {
          resolve,
          reject,
          cleanup: () => signal.removeEventListener('abort', onAbort),
        };
        signal.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
        schedule();
      });
    },
    /** Follows the upstream's own figures: its limit, and a pause until reset when none remain. */
    learn(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined) {
      if (limit !== undefined && limit > 0) intervalMs = 60_000 / limit;
      if (remaining === 0 && resetMs !== undefined && resetMs > 0) {
        pausedUntil = performance.now() + resetMs;
        tokens = Math.min(tokens, 0);
      }
    },
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const waiter of queue.splice(0)) {
        waiter.cleanup();
        waiter.reject(new GatewayError('gateway_closing', 'The gateway is shutting down.'));
      }
    },
  };
}
