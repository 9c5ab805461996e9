import { GatewayError } from '../../errors.js';
import type { GatewayContext, GatewayResponse, ResponseBody } from '../../types.js';

/**
 * Statuses that say "the upstream could not serve this now": retried, counted by the breaker,
 * fallen back from. Other 4xx are the client's own mistakes and go back to it unchanged.
 */
export const isFailureStatus = (status: number) => status >= 500 || status === 429 || status === 408;

/** A thrown error that is about the upstream (or its availability), not about the client. */
export const isUpstreamSideError = (error: unknown) =>
  error instanceof GatewayError ? isFailureStatus(error.status) : true;

/** Given to the taps of an attempt that an outer policy throws away (never relayed). */
export const attemptDiscarded = new GatewayError(
  'attempt_discarded',
  'The attempt was replaced by another one.',
);

/**
 * Throws away a response an outer policy will not use: destroys its live body so the pool
 * connection is freed at once, and ends the taps the attempt added (from `tapMark` on), so
 * they never observe the body of the attempt that replaces it.
 */
export function discardResponse(context: GatewayContext, response: GatewayResponse, tapMark: number): void {
  destroyBody(response.body, isFailureStatus(response.status));
  endTapsFrom(context, tapMark);
}

/** Ends and removes the taps added since `tapMark`, telling them their body was discarded. */
export function endTapsFrom(context: GatewayContext, tapMark: number): void {
  const taps = context.taps;
  for (let index = tapMark; index < taps.length; index++) taps[index]?.end?.(attemptDiscarded);
  taps.length = tapMark;
}

/**
 * Releases a body nobody will read. A small error body (`drain`) is read to its end so the
 * keep-alive connection goes back to the pool; anything else is destroyed at once.
 */
export function destroyBody(body: ResponseBody | undefined, drain = false): void {
  if (body === undefined || body instanceof Uint8Array) return;
  const readable = body as {
    destroy?: (error?: Error) => void;
    dump?: (options: { limit: number }) => Promise<void>;
    on?: (event: 'error', listener: () => void) => void;
  };
  if (drain && typeof readable.dump === 'function') {
    readable.dump({ limit: drainLimitBytes }).catch(ignore);
    return;
  }
  if (typeof readable.destroy === 'function') {
    // undici's body emits an abort error when destroyed; nobody is listening any more.
    readable.on?.('error', ignore);
    readable.destroy();
    return;
  }
  void body[Symbol.asyncIterator]().return?.()?.catch(ignore);
}

// Larger than any error body; a bigger one is not worth keeping the connection for.
const drainLimitBytes = 64 * 1024;
const ignore = () => {};

/** Waits `milliseconds`, or rejects with the signal's reason when it aborts first. */
export function delay(milliseconds: number, signal: AbortSignal): Promise<void> {
  if (milliseconds <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
