import type { Logger } from 'pino';
import { GatewayError } from '../../errors.js';
import type { GatewayEvents } from '../../events/gateway-events.js';
import type { GatewayContext, GatewayResponse, Handler, Policy } from '../../types.js';
import { isFailureStatus } from '../resilience/attempt.js';
import { BreakerRegistry, type BreakerSettings } from './breaker-registry.js';

/** Carries a failure-status response through opossum's rejection path, then back out. */
class FailureStatus extends Error {
  constructor(readonly response: GatewayResponse) {
    super(`upstream answered ${response.status}`);
  }
}

/** Failures a stream can have after the breaker saw its headers. */
const streamFailureCodes = new Set(['upstream_stream_error', 'upstream_idle_timeout']);

// The action opossum runs: one attempt. A failure status rejects so opossum counts it.
async function attempt(next: Handler, context: GatewayContext): Promise<GatewayResponse> {
  const response = await next(context);
  if (isFailureStatus(response.status)) throw new FailureStatus(response);
  return response;
}

/**
 * The circuit breaker stage: turns requests away from an upstream that keeps failing (503
 * `upstream_circuit_open` with `Retry-After`, which the fallback chain moves past), lets one
 * probe through after `resetTimeoutMs`, and closes again when it succeeds. Client errors
 * (4xx other than 408/429) do not count; failures after the stream started do, through a tap.
 *
 * @example
 * const { policy, registry } = breaker({ errorThresholdPercentage: 50, volumeThreshold: 10, ... });
 */
export function breaker(
  settings: BreakerSettings,
  logger?: Logger,
  events?: GatewayEvents,
): { policy: Policy; registry: BreakerRegistry } {
  const registry = new BreakerRegistry(settings, attempt, logger, events);
  const policy: Policy = (next) => async (context) => {
    const upstream = context.upstream;
    if (upstream === undefined) return next(context);
    const circuit = registry.get(upstream.name, context.model);
    // In half-open opossum lets exactly one call through: the one that finds `pendingClose` set.
    const wasProbe = circuit.halfOpen && circuit.pendingClose;
    let response: GatewayResponse;
    try {
      response = await circuit.fire(next, context);
    } catch (error) {
      if (error instanceof FailureStatus) return error.response;
      if (!(error instanceof GatewayError) && (error as { code?: unknown }).code === 'EOPENBREAKER') {
        context.record.breaker = 'open';
        throw registry.openError(circuit, upstream.name);
      }
      throw error;
    }
    const body = response.body;
    if (body !== undefined && !(body instanceof Uint8Array)) {
      context.taps.push({
        end(error) {
          if (error instanceof GatewayError && streamFailureCodes.has(error.code)) {
            registry.reportStreamFailure(circuit, error, wasProbe);
          }
        },
      });
    }
    return response;
  };
  return { policy, registry };
}
