import { type GatewayError, toGatewayError } from '../../errors.js';
import type { GatewayEvents } from '../../events/gateway-events.js';
import type { GatewayContext, GatewayResponse, Policy } from '../../types.js';
import { clientClosedRequest } from '../../upstream/upstream-failure.js';
import { delay, discardResponse } from '../resilience/attempt.js';
import { backoffMs } from './backoff.js';
import { retryAfterMs } from './retry-after.js';
import type { RetryBudget } from './retry-budget.js';

/** The `retry` options with their defaults filled in. */
export interface RetrySettings {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  deadlineMs: number;
  statuses: readonly number[];
  retryFirstByteTimeout: boolean;
}

/** Failures before any response that are safe to send again: the upstream never started on them. */
const retryableCodes = new Set([
  'upstream_connect_timeout',
  'upstream_unreachable',
  'upstream_connection_reset',
  'upstream_keys_cooling',
]);

/** Why the retries stopped, for the log (`retryStop`). */
type StopReason = 'budget' | 'deadline' | 'retry-after-too-long';

/**
 * Sends the request again when the upstream failed before sending a byte: connect failures,
 * resets before headers, and the configured statuses (429, 5xx), with full-jitter backoff or
 * the upstream's own `Retry-After`, inside one deadline and under the process's retry budget.
 * Only before the first byte: the forwarder returns the body unread, so nothing reached the
 * client yet. Attempts and wait go to `x-ferry-attempts` / `x-ferry-retry-wait-ms` and the log.
 *
 * @example
 * retry({ attempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, ... }, new RetryBudget(20, 3), gatewayEvents);
 */
export function retry(settings: RetrySettings, budget: RetryBudget, events?: GatewayEvents): Policy {
  const statuses = new Set(settings.statuses);
  // A POST whose headers timed out may already be generating (and billed); a GET never is.
  const shouldRetryError = (error: GatewayError, method: string) =>
    retryableCodes.has(error.code) ||
    (error.code === 'upstream_timeout' && (settings.retryFirstByteTimeout || method !== 'POST'));

  return (next) => async (context) => {
    const deadline = performance.now() + settings.deadlineMs;
    let attempt = 0;
    let waitedMs = 0;
    let retrying = false;
    let stop: StopReason | undefined;
    budget.enter();
    try {
      for (;;) {
        attempt++;
        const tapMark = context.taps.length;
        let response: GatewayResponse | undefined;
        let failure: GatewayError | undefined;
        try {
          response = await next(context);
        } catch (error) {
          failure = toGatewayError(error);
        } finally {
          if (retrying) budget.release();
          retrying = false;
        }
        if (context.aborted) {
          if (response !== undefined) discardResponse(context, response, tapMark);
          throw clientClosedRequest();
        }
        const retryable =
          response !== undefined
            ? statuses.has(response.status)
            : shouldRetryError(failure as GatewayError, context.request.method);
        if (!retryable || attempt >= settings.attempts) return settle(response, failure);

        const hint =
          response !== undefined ? retryAfterMs(response.headers) : headerHint(failure as GatewayError);
        if (hint !== undefined && hint > settings.maxRetryAfterMs) {
          stop = 'retry-after-too-long';
          return settle(response, failure);
        }
        const wait = hint ?? backoffMs(attempt, settings.baseDelayMs, settings.maxDelayMs);
        if (performance.now() + wait >= deadline) {
          stop = 'deadline';
          return settle(response, failure);
        }
        if (!budget.tryAcquire()) {
          stop = 'budget';
          return settle(response, failure);
        }
        retrying = true;
        if (events?.wants('retry') === true) {
          events.emit('retry', {
            context,
            upstream: context.upstream?.name ?? 'none',
            attempt,
            delayMs: wait,
            reason: response !== undefined ? String(response.status) : (failure as GatewayError).code,
          });
        }
        if (response !== undefined) discardResponse(context, response, tapMark);
        try {
          await delay(wait, context.signal);
        } catch {
          throw clientClosedRequest();
        }
        waitedMs += wait;
      }
    } finally {
      if (retrying) budget.release();
      budget.leave();
      record(context, attempt, waitedMs, stop);
    }
  };
}

function settle(response: GatewayResponse | undefined, failure: GatewayError | undefined): GatewayResponse {
  if (response !== undefined) return response;
  throw failure;
}

/** A wait the failure itself carries (`upstream_keys_cooling`, an open circuit). */
function headerHint(error: GatewayError): number | undefined {
  return error.headers === undefined ? undefined : retryAfterMs(error.headers);
}

/** Adds up over several retry stages (a fallback chain runs one per upstream). */
function record(context: GatewayContext, attempts: number, waitedMs: number, stop: StopReason | undefined) {
  const record = context.record;
  const total = (record.attempts ?? 0) + attempts;
  const waited = (record.retryWaitMs ?? 0) + Math.round(waitedMs);
  record.attempts = total;
  record.retryWaitMs = waited;
  if (stop !== undefined) record.retryStop = stop;
  context.responseHeaders['x-ferry-attempts'] = String(total);
  context.responseHeaders['x-ferry-retry-wait-ms'] = String(waited);
}
