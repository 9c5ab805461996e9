import type { Redis } from 'ioredis';
import { GatewayError } from '../../errors.js';
import type { StoreHealth } from '../../events/store-health.js';
import { type Pacer, type PacerOptions, queueFullError, tooLateError } from './pacer.js';
import { paceHoldScript, paceTakeScript } from './shared-pacer-script.js';

export interface SharedPacerOptions extends PacerOptions {
  redis: Redis;
  /** The Redis key of this upstream's bucket (`paceKey`). */
  key: string;
  /** A Redis call slower than this counts as a failure: the request goes through `fallback`. */
  storeTimeoutMs: number;
  /** The local pacer that paces while Redis fails (its rate is this instance's share). */
  fallback: Pacer;
  health: StoreHealth;
  /** How many instances share the quota: the fallback learns `limit / instances`. */
  instances: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal;
  /** `performance.now()` after which this request no longer wants to go. */
  deadline: number;
  onAbort: () => void;
}

type TakeReply = [admitted: number, waitUs: number];
interface PaceCommands {
  ferryPaceTake(key: string, intervalUs: string, toleranceUs: string): Promise<TakeReply>;
  ferryPaceHold(key: string, holdUs: string, intervalUs: string, toleranceUs: string): Promise<number>;
}

/**
 * Upstream pacing shared by every instance on one Redis: one GCRA bucket per upstream (key),
 * decided by a Lua script on Redis's clock, so that together the instances stay under the
 * upstream's quota. The queue stays local: only its head asks Redis for a slot, and when the
 * bucket is empty it sleeps for the wait Redis named, so waiting requests go in arrival order
 * and an idle queue costs no Redis traffic. While Redis fails (not ready, an error, slower than
 * `storeTimeoutMs`) each waiting request is handed, in order, to the local `fallback` pacer.
 *
 * @example
 * const pacer = createSharedPacer({ redis, key: 'ferry:pace:{openai:3f2a…}', storeTimeoutMs: 500,
 *   fallback: createPacer(share), health, instances: 3, requestsPerMinute: 3_000, burstRequests: 1,
 *   maxQueueLength: 1_000 });
 * await pacer.acquire(10_000, context.signal);
 */
export function createSharedPacer(options: SharedPacerOptions): Pacer {
  const { redis, key, fallback, health } = options;
  const client = redis as Redis & PaceCommands;
  if (typeof client.ferryPaceTake !== 'function') {
    redis.defineCommand('ferryPaceTake', { numberOfKeys: 1, lua: paceTakeScript });
    redis.defineCommand('ferryPaceHold', { numberOfKeys: 1, lua: paceHoldScript });
  }
  let intervalMs = 60_000 / options.requestsPerMinute;
  let intervalUs = '';
  let toleranceUs = '';
  const setRate = (requestsPerMinute: number) => {
    intervalMs = 60_000 / requestsPerMinute;
    intervalUs = String(intervalMs * 1_000);
    toleranceUs = String(options.burstRequests * intervalMs * 1_000);
  };
  setRate(options.requestsPerMinute);
  /** Local knowledge of the upstream's announced reset, for refusing at once. */
  let heldUntil = 0;
  const queue: Waiter[] = [];
  let pumping = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const call = <T>(run: () => Promise<T>): Promise<T> => {
    // The offline queue is off; asking a client that is not ready would fail anyway.
    if (redis.status !== 'ready') return Promise.reject(new Error(`Redis is not ready (${redis.status})`));
    return new Promise<T>((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(new Error(`Redis did not answer within ${options.storeTimeoutMs} ms`)),
        options.storeTimeoutMs,
      );
      run().then(
        (value) => {
          clearTimeout(timeout);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timeout);
          reject(error);
        },
      );
    });
  };

  const leave = (waiter: Waiter) => waiter.signal.removeEventListener('abort', waiter.onAbort);
  /** Refuses every waiter that cannot go before `at`: nobody behind the head goes earlier. */
  const refuseLaterThan = (at: number, now: number) => {
    for (let index = queue.length - 1; index >= 0; index--) {
      const waiter = queue[index] as Waiter;
      if (waiter.deadline >= at) continue;
      queue.splice(index, 1);
      leave(waiter);
      waiter.reject(tooLateError(at - now + index * intervalMs));
    }
  };

  const pump = async () => {
    timer = undefined;
    if (pumping || closed) return;
    pumping = true;
    try {
      while (queue.length > 0 && !closed) {
        const now = performance.now();
        refuseLaterThan(now, now);
        if (queue.length === 0) break;
        let reply: TakeReply;
        try {
          reply = await call(() => client.ferryPaceTake(key, intervalUs, toleranceUs));
          health.ok();
        } catch (error) {
          health.failed((error as Error)?.message ?? 'failed');
          // The shared bucket is unknown: this request waits for this instance's share instead.
          const waiter = queue.shift();
          if (waiter === undefined) break;
          leave(waiter);
          fallback
            .acquire(Math.max(0, waiter.deadline - performance.now()), waiter.signal)
            .then(waiter.resolve, waiter.reject);
          continue;
        }
        if (reply[0] === 1) {
          // The slot goes to whoever heads the queue now (the asker may have left meanwhile).
          const waiter = queue.shift();
          if (waiter !== undefined) {
            leave(waiter);
            waiter.resolve();
          }
          continue;
        }
        const waitMs = reply[1] / 1_000;
        const at = performance.now() + waitMs;
        refuseLaterThan(at, at - waitMs);
        if (queue.length > 0) timer = setTimeout(pump, Math.max(1, Math.ceil(waitMs)));
        break;
      }
    } finally {
      pumping = false;
    }
  };

  return {
    get queueLength() {
      return queue.length + fallback.queueLength;
    },
    tryAcquire: () => false,
    acquire(maxWaitMs: number, signal: AbortSignal): Promise<void> {
      const now = performance.now();
      // A lower bound of the wait: the announced reset, or this queue at the full pace.
      const wait = Math.max(heldUntil - now, queue.length * intervalMs);
      if (queue.length >= options.maxQueueLength) return Promise.reject(queueFullError(wait));
      if (wait > maxWaitMs) return Promise.reject(tooLateError(wait));
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          deadline: now + maxWaitMs,
          onAbort: () => {
            const index = queue.indexOf(waiter);
            if (index !== -1) queue.splice(index, 1);
            reject(signal.reason);
          },
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
        queue.push(waiter);
        if (!pumping && timer === undefined) void pump();
      });
    },
    learn(limit, remaining, resetMs) {
      if (limit !== undefined && limit > 0) {
        if (60_000 / limit !== intervalMs) setRate(limit);
        fallback.learn(limit / options.instances, undefined, undefined);
      }
      if (remaining === 0 && resetMs !== undefined && resetMs > 0) {
        heldUntil = performance.now() + resetMs;
        fallback.learn(undefined, remaining, resetMs);
        // Every instance holds until the reset; a failure leaves the local hold only.
        call(() => client.ferryPaceHold(key, String(resetMs * 1_000), intervalUs, toleranceUs)).then(
          () => health.ok(),
          (error: unknown) => health.failed((error as Error)?.message ?? 'failed'),
        );
      }
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const waiter of queue.splice(0)) {
        leave(waiter);
        waiter.reject(new GatewayError('gateway_closing', 'The gateway is shutting down.'));
      }
      fallback.close();
    },
  };
}
