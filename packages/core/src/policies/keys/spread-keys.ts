import { GatewayError } from '../../errors.js';
import type { GatewayResponse, Policy } from '../../types.js';
import type { Upstream } from '../../upstream/upstream.js';
import { discardResponse } from '../resilience/attempt.js';
import { retryAfterMs, retryAfterSeconds } from '../retry/retry-after.js';
import type { KeyPool, PooledKey } from './key-pool.js';

/** How long a key sits out after a 429 that names no wait. */
const defaultCooldownMs = 1_000;
/** How long a deployment whose connection failed is avoided while another is up. */
export const deploymentDownMs = 10_000;

/** Failures before any byte of the answer: another deployment (another host) may well connect. */
const connectFailures = new Set([
  'upstream_unreachable',
  'upstream_connect_timeout',
  'upstream_connection_reset',
  'upstream_address_refused',
  'upstream_proxy_failed',
]);

/**
 * Chooses the key or deployment of the upstream for each attempt. On a 429 the member cools
 * down for the upstream's `Retry-After` and the request moves to another one at once: they
 * are separate rate-limit buckets, so waiting would be wasted. When every member is cooling,
 * the request fails with 429 `upstream_keys_cooling` and a `Retry-After` for the soonest one,
 * which the retry stage may wait for. For deployments, a connection that fails before the
 * answer's headers marks the deployment down for a while and the request moves on too.
 *
 * @example
 * spreadKeys(new Map([['openai', new KeyPool(keyMembers(upstream, keys))]]));
 */
export function spreadKeys(pools: ReadonlyMap<string, KeyPool>): Policy {
  return (next) => async (context) => {
    const base = context.upstream;
    const pool = base === undefined ? undefined : pools.get(base.name);
    if (base === undefined || pool === undefined) return next(context);
    try {
      for (let tried = 1; ; tried++) {
        // A follow-up pinned to the key that created its state goes there first, while it is usable.
        const pinned = tried === 1 && context.pin?.upstream === base.name ? context.pin.key : undefined;
        const key =
          (pinned === undefined ? undefined : pool.named(pinned, Date.now())) ?? pool.pick(Date.now());
        if (key === undefined) throw keysCooling(base, pool.soonestAvailableMs(Date.now()));
        const tapMark = context.taps.length;
        let response: GatewayResponse;
        try {
          response = await send(key);
        } catch (error) {
          if (!pool.routesAroundConnectFailures || !isConnectFailure(error) || context.aborted) throw error;
          key.downUntil = Date.now() + deploymentDownMs;
          context.record.deploymentDown = key.servedAs;
          if (tried >= pool.keys.length) throw error;
          continue;
        }
        if (response.status !== 429) return response;
        key.coolUntil = Date.now() + (retryAfterMs(response.headers) ?? defaultCooldownMs);
        context.record.keyCooled = key.name;
        if (tried >= pool.keys.length || !pool.hasAvailable(Date.now())) return response;
        discardResponse(context, response, tapMark);
      }
    } finally {
      context.upstream = base;
    }

    async function send(key: PooledKey): Promise<GatewayResponse> {
      key.inFlight++;
      context.upstream = key.upstream;
      context.record.upstreamKey = key.name;
      // Read by the fallback chain for `x-ferry-upstream`.
      if (key.servedAs !== undefined) context.record.deployment = key.servedAs;
      let response: GatewayResponse;
      try {
        response = await next(context);
      } catch (error) {
        key.inFlight--;
        throw error;
      }
      if (key.downUntil !== 0) key.downUntil = 0;
      // The key stays busy until its body ends (streams can last minutes).
      context.taps.push({ end: () => key.inFlight-- });
      return response;
    }
  };
}

const isConnectFailure = (error: unknown) => error instanceof GatewayError && connectFailures.has(error.code);

function keysCooling(upstream: Upstream, waitMs: number): GatewayError {
  return new GatewayError(
    'upstream_keys_cooling',
    `Every key of the upstream "${upstream.name}" is rate limited.`,
    { headers: { 'retry-after': retryAfterSeconds(waitMs) } },
  );
}
