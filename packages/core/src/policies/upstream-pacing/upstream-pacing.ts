import type { FeatureSetup } from '../../feature.js';
import type { GatewayContext, Policy } from '../../types.js';
import type { Upstream } from '../../upstream/upstream.js';
import { clientClosedRequest } from '../../upstream/upstream-failure.js';
import { createPacer, type Pacer } from './pacer.js';
import type { PacingOptions } from './pacing-options.js';

/** `1s`, `6m0s`, `20ms`, `1h2m3.5s` (OpenAI's reset format) in milliseconds. */
export function parseResetDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const pattern = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = false;
  for (const match of value.matchAll(pattern)) {
    matched = true;
    const amount = Number(match[1]);
    total +=
      amount * (match[2] === 'ms' ? 1 : match[2] === 's' ? 1_000 : match[2] === 'm' ? 60_000 : 3_600_000);
  }
  return matched ? total : undefined;
}

const integer = (value: string | undefined) => {
  const parsed = value === undefined ? Number.NaN : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : undefined;
};

/** The client's own deadline: `x-ferry-deadline-ms` (ms), or the OpenAI SDK's `x-stainless-timeout` (s). */
function clientDeadlineMs(context: GatewayContext): number | undefined {
  const headers = context.request.headers;
  const deadline = integer(headers['x-ferry-deadline-ms'] as string | undefined);
  if (deadline !== undefined) return deadline;
  const sdkTimeout = integer(headers['x-stainless-timeout'] as string | undefined);
  return sdkTimeout === undefined ? undefined : sdkTimeout * 1_000;
}

/**
 * Upstream pacing, just before forwarding: each upstream (and key, when a key pool chose one)
 * gets its own pacer. The wait is capped by `maxWaitMs` and the client's deadline; the pace
 * follows the upstream's `x-ratelimit-limit-requests`, and pauses until
 * `x-ratelimit-reset-requests` when `x-ratelimit-remaining-requests` reaches 0.
 *
 * @example
 * policies.push(upstreamPacing(options.pacing, setup));
 */
export function upstreamPacing(options: PacingOptions, setup: FeatureSetup): Policy {
  // One pacer per upstream object: a key pool gives each of its keys its own upstream, so each
  // key is paced to its own quota.
  const pacers = new Map<Upstream, Pacer>();
  setup.onClose(() => {
    for (const pacer of pacers.values()) pacer.close();
  });
  const pacerFor = (upstream: Upstream) => {
    let pacer = pacers.get(upstream);
    if (pacer === undefined) {
      pacer = createPacer(options);
      pacers.set(upstream, pacer);
    }
    return pacer;
  };

  return (next) => async (context) => {
    const upstream = context.upstream;
    if (upstream === undefined) return next(context);
    const pacer = pacerFor(upstream);
    // Under the quota a request goes at once: `context.signal` is created on first read, so it
    // is read only by a request that has to wait.
    if (!pacer.tryAcquire()) {
      const deadline = clientDeadlineMs(context);
      const maxWait = deadline === undefined ? options.maxWaitMs : Math.min(options.maxWaitMs, deadline);
      try {
        await pacer.acquire(maxWait, context.signal);
      } catch (error) {
        if (context.aborted) throw clientClosedRequest();
        throw error;
      }
    }
    const response = await next(context);
    if (options.learnFromHeaders) {
      const headers = response.headers;
      pacer.learn(
        integer(headers['x-ratelimit-limit-requests']),
        integer(headers['x-ratelimit-remaining-requests']),
        parseResetDuration(headers['x-ratelimit-reset-requests']),
      );
    }
    return response;
  };
}
