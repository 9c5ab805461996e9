import { channel } from 'node:diagnostics_channel';
import type { GatewayError } from '../errors.js';
import type { GatewayContext, Usage } from '../types.js';

/**
 * Every fact the gateway reports, by event name. The log line, the `x-ferry-*` headers, the
 * metrics (and alerts, OpenTelemetry) are derived from these; nothing re-parses a header.
 * Payloads are plain objects built only when someone listens (see `GatewayEvents.wants`).
 */
export interface GatewayEventMap {
  /** A request entered `handle` (after route matching). */
  'request:start': { context: GatewayContext };
  /** A request settled: its body ended, failed, or there was none. Fires exactly once per request. */
  'request:end': {
    context: GatewayContext;
    status: number;
    error: GatewayError | undefined;
    usage: Usage | undefined;
    durationMs: number;
    /** Ferry's own time: the Server-Timing figure (time not spent waiting on upstreams). */
    overheadMs: number;
  };
  /** One upstream attempt got its response headers (or failed before them). */
  attempt: {
    context: GatewayContext;
    upstream: string;
    status: number | undefined;
    error: GatewayError | undefined;
    /** Time to the response headers. */
    durationMs: number;
  };
  /** The retry policy is about to send again, after `delayMs`. */
  retry: { context: GatewayContext; upstream: string; attempt: number; delayMs: number; reason: string };
  /** The fallback chain passed `from` (and serves from a later upstream, or fails). */
  fallback: { context: GatewayContext; from: string; reason: string };
  /** A circuit changed state. `circuit` is the upstream name, or `<upstream>:<model>` per model. */
  breaker: { upstream: string; circuit: string; state: 'open' | 'half-open' | 'closed' };
  /** A rate limit refused a request. */
  'limit:rejected': { context: GatewayContext; limit: 'requests' | 'tokens' | 'concurrency' };
  /** A spend budget passed a soft limit (the request goes on) or a hard one (refused). */
  budget: { context: GatewayContext; level: 'soft' | 'hard'; scope: 'key' | 'tenant'; id: string };
  /** A store (Redis) failed a call, or answered again after failing. */
  store: { store: 'limits' | 'nonces' | 'spend' | 'cache'; state: 'degraded' | 'recovered'; reason: string };
  /** The content filter acted on a request or an answer. */
  filter: {
    context: GatewayContext;
    action: 'request blocked' | 'request masked' | 'answer masked' | 'answer stopped';
    rules: readonly string[];
  };
  /** The client went away before its response ended. */
  'client:gone': { context: GatewayContext };
}

export type GatewayEventName = keyof GatewayEventMap;
export type GatewayEventListener<Name extends GatewayEventName> = (event: GatewayEventMap[Name]) => void;

/** The `diagnostics_channel` names Ferry publishes on, one per event: `ferry:request:end`, ... */
export const diagnosticsChannelName = (name: GatewayEventName) => `ferry:${name}`;

const eventNames: readonly GatewayEventName[] = [
  'request:start',
  'request:end',
  'attempt',
  'retry',
  'fallback',
  'breaker',
  'limit:rejected',
  'budget',
  'store',
  'filter',
  'client:gone',
];

/**
 * One gateway's typed event stream. Listeners run synchronously, in the order they subscribed;
 * a listener that throws is reported to `onListenerError` and never reaches the request. Each
 * event is also published on `diagnostics_channel` (`ferry:<name>`, payload plus `gateway`)
 * when that channel has subscribers, as undici does, so tools can observe every gateway in
 * the process without a reference to it.
 *
 * @example
 * gateway.events.on('fallback', ({ context, from, reason }) => {
 *   console.log(context.requestId, 'passed', from, reason);
 * });
 */
export class GatewayEvents {
  readonly #listeners = new Map<GatewayEventName, Array<(event: never) => void>>();
  readonly #channels = new Map(eventNames.map((name) => [name, channel(diagnosticsChannelName(name))]));
  readonly #owner: object;
  readonly #onListenerError: (error: unknown, name: GatewayEventName) => void;

  constructor(owner: object, onListenerError: (error: unknown, name: GatewayEventName) => void) {
    this.#owner = owner;
    this.#onListenerError = onListenerError;
    for (const name of eventNames) this.#listeners.set(name, []);
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<Name extends GatewayEventName>(name: Name, listener: GatewayEventListener<Name>): () => void {
    const listeners = this.#listeners.get(name) as Array<GatewayEventListener<Name>>;
    listeners.push(listener);
    return () => {
      const index = listeners.indexOf(listener);
      if (index !== -1) listeners.splice(index, 1);
    };
  }

  /** True when emitting `name` reaches anyone: callers skip building a payload otherwise. */
  wants(name: GatewayEventName): boolean {
    return (
      (this.#listeners.get(name) as unknown[]).length > 0 ||
      (this.#channels.get(name)?.hasSubscribers ?? false)
    );
  }

  emit<Name extends GatewayEventName>(name: Name, event: GatewayEventMap[Name]): void {
    const listeners = this.#listeners.get(name) as Array<GatewayEventListener<Name>>;
    for (let index = 0; index < listeners.length; index++) {
      try {
        (listeners[index] as GatewayEventListener<Name>)(event);
      } catch (error) {
        this.#onListenerError(error, name);
      }
    }
    const published = this.#channels.get(name);
    if (published?.hasSubscribers === true) published.publish({ ...event, gateway: this.#owner });
  }
}
