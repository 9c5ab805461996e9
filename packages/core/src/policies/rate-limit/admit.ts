import { StoreHealth } from '../../events/store-health.js';
import type { FeatureSetup } from '../../feature.js';
import type { Policy } from '../../types.js';
import { createLimitKey } from './limit-key.js';
import { defaultLeaseSeconds, type LimitsOptions } from './limits-options.js';
import { rateLimitExceeded } from './rate-limit-error.js';
import { writeLimitHeaders } from './rate-limit-headers.js';
import { createLimiterFamily } from './window-limiter.js';

/**
 * The admit stage: requests per window and concurrent requests per limit key (a client's own
 * `limits.requestsPerMinute` / `concurrentRequests` take precedence), checked before the body
 * is parsed so a flood costs little. A concurrency slot is held until the response body ends,
 * fails, or the client leaves.
 *
 * @example
 * policies.push(admit(options.limits, setup));
 */
export function admit(limits: LimitsOptions, setup: FeatureSetup): Policy {
  const keyOf = createLimitKey(limits);
  const health = new StoreHealth(setup.events, 'limits');
  const shared = {
    redis: setup.stores.redis,
    keyPrefix: setup.stores.keyPrefix,
    storeTimeoutMs: limits.storeTimeoutMs,
    instances: setup.options.redis?.instances,
  };
  const requestLimits = createLimiterFamily({ name: 'requests' as const, ...shared }, limits.requests);
  const concurrencyLimits = createLimiterFamily(
    { name: 'concurrency' as const, ...shared },
    limits.concurrency && {
      limit: limits.concurrency.limit,
      windowSeconds: limits.concurrency.leaseSeconds,
      onStoreFailure: limits.concurrency.onStoreFailure,
    },
    limits.concurrency?.leaseSeconds ?? defaultLeaseSeconds,
  );

  return (next) => async (context) => {
    const key = keyOf(context);
    const requests = requestLimits.for(context.client?.limits?.requestsPerMinute);
    if (requests !== undefined) {
      const outcome = await requests.consume(key, 1);
      writeLimitHeaders(context.responseHeaders, requests, outcome);
      if (outcome.degraded !== undefined) {
        context.record.rateLimitStore = outcome.degraded;
        health.failed(outcome.degraded);
      } else health.ok();
      if (!outcome.allowed)
        throw rateLimitExceeded(
          'requests',
          requests.limit,
          requests.windowSeconds,
          outcome.retryAfterMs ?? outcome.resetMs,
        );
    }
    const concurrency = concurrencyLimits.for(context.client?.limits?.concurrentRequests);
    if (concurrency === undefined) return next(context);

    const slot = await concurrency.consume(key, 1);
    if (!slot.allowed) {
      // The rejected attempt was counted too: give it back so it does not hold a slot.
      await concurrency.refund(key, 1, slot);
      throw rateLimitExceeded('concurrency', concurrency.limit, 0, 1_000);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      void concurrency.refund(key, 1, slot);
    };
    try {
      const response = await next(context);
      context.onSettle(release);
      return response;
    } catch (error) {
      release();
      throw error;
    }
  };
}
