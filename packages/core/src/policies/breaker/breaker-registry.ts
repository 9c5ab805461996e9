import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { GatewayError } from '../../errors.js';
import type { GatewayEvents } from '../../events/gateway-events.js';
import type { GatewayContext, GatewayResponse, Handler } from '../../types.js';
import { isUpstreamSideError } from '../resilience/attempt.js';
import { retryAfterSeconds } from '../retry/retry-after.js';

/** The `breaker` options with their defaults filled in. */
export interface BreakerSettings {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingWindowMs: number;
  rollingBuckets: number;
  resetTimeoutMs: number;
  perModel: boolean;
}

/** The breaker's action: one attempt through the rest of the pipeline. */
export type BreakerAction = (next: Handler, context: GatewayContext) => Promise<GatewayResponse>;
export type Breaker = CircuitBreaker<[Handler, GatewayContext], GatewayResponse>;

// `perModel` keys come from the client's `model` field: bounded so a caller cannot grow the map.
const maximumModelBreakers = 1_000;

/**
 * One opossum breaker per upstream (or upstream and model), created on first use.
 *
 * Around opossum's sharp edges:
 * - `timeout: false`: its own timer would cut long streams (and reject while the upstream still
 *   works); Ferry's timeouts are undici's, per request.
 * - no `abortController`: opossum shares one for every call, so one timeout would abort all.
 * - a filtered error in half-open makes opossum close the circuit. A client-side outcome (the
 *   client left, a 4xx from a policy) says nothing about the upstream, so the filter re-opens
 *   the circuit when it happens to the probe: the next probe comes after `resetTimeoutMs`.
 * - a stream that fails after `fire()` resolved is invisible to opossum: `reportStreamFailure`
 *   counts it and applies opossum's own rule (re-open on a failed probe, or on the threshold).
 */
export class BreakerRegistry {
  readonly #breakers = new Map<string, Breaker>();
  readonly #settings: BreakerSettings;
  readonly #action: BreakerAction;

  readonly #logger: Logger | undefined;
  readonly #events: GatewayEvents | undefined;

  constructor(settings: BreakerSettings, action: BreakerAction, logger?: Logger, events?: GatewayEvents) {
    this.#settings = settings;
    this.#action = action;
    this.#logger = logger;
    this.#events = events;
  }

  /** The breaker for this upstream (and model, with `perModel`). */
  get(upstreamName: string, model: string | undefined): Breaker {
    let key = upstreamName;
    if (this.#settings.perModel && model !== undefined) {
      const modelKey = `${upstreamName}\u0000${model}`;
      if (this.#breakers.has(modelKey) || this.#breakers.size < maximumModelBreakers) key = modelKey;
    }
    let breaker = this.#breakers.get(key);
    if (breaker === undefined) {
      breaker = this.#create(key.replace('\u0000', ':'), upstreamName);
      this.#breakers.set(key, breaker);
    }
    return breaker;
  }

  #create(name: string, upstream: string): Breaker {
    const settings = this.#settings;
    const breaker: Breaker = new CircuitBreaker(this.#action, {
      name,
      timeout: false,
      resetTimeout: settings.resetTimeoutMs,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      rollingCountTimeout: settings.rollingWindowMs,
      rollingCountBuckets: settings.rollingBuckets,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (error: unknown) => {
        if (isUpstreamSideError(error)) return false;
        // Filtered: opossum will emit 'success' and, in half-open, close. Re-open first.
        if (breaker.halfOpen) breaker.open();
        return true;
      },
    });
    // State changes are rare and matter to operators: one log line and one event each.
    const logger = this.#logger;
    const events = this.#events;
    const changed = (state: 'open' | 'half-open' | 'closed') => () => {
      if (state === 'open') logger?.warn({ breaker: name, state }, 'circuit opened');
      else
        logger?.info({ breaker: name, state }, state === 'closed' ? 'circuit closed' : 'circuit half-open');
      events?.emit('breaker', { upstream, circuit: name, state });
    };
    breaker.on('open', changed('open'));
    breaker.on('halfOpen', changed('half-open'));
    breaker.on('close', changed('closed'));
    return breaker;
  }

  /**
   * Counts a failure that happened after the breaker saw a response (mid-stream), and opens
   * the circuit by opossum's rule: always for the half-open probe, else on the threshold.
   */
  reportStreamFailure(breaker: Breaker, error: unknown, wasProbe: boolean): void {
    breaker.emit('failure', error, 0, []);
    if (breaker.opened) return;
    if (wasProbe) {
      breaker.open();
      return;
    }
    const stats = breaker.stats;
    if (stats.fires < breaker.volumeThreshold) return;
    if ((stats.failures / stats.fires) * 100 > this.#settings.errorThresholdPercentage) breaker.open();
  }

  /** The error for a request the breaker turned away, with the time until the next probe. */
  openError(breaker: Breaker, upstreamName: string): GatewayError {
    const openedAt = breaker.toJSON().state.lastTimerAt as unknown as number | undefined;
    const remaining =
      breaker.opened && openedAt !== undefined
        ? openedAt + this.#settings.resetTimeoutMs - Date.now()
        : this.#settings.resetTimeoutMs;
    return new GatewayError(
      'upstream_circuit_open',
      `The upstream "${upstreamName}" is failing; requests to it are paused.`,
      { headers: { 'retry-after': retryAfterSeconds(Math.max(remaining, 0)) } },
    );
  }

  /** States by breaker name, for health endpoints and tests. */
  states(): Record<string, 'closed' | 'open' | 'half-open'> {
    const states: Record<string, 'closed' | 'open' | 'half-open'> = {};
    for (const breaker of this.#breakers.values()) {
      states[breaker.name] = breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
    }
    return states;
  }

  /** Stops the breakers' timers. */
  close(): void {
    for (const breaker of this.#breakers.values()) breaker.shutdown();
    this.#breakers.clear();
  }
}
