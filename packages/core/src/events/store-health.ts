import type { GatewayEventMap, GatewayEvents } from './gateway-events.js';

type StoreName = GatewayEventMap['store']['store'];

/**
 * Turns a store's per-call outcomes into the `store` events: `degraded` on the first failure,
 * `recovered` on the first success after it. A healthy call costs one boolean check.
 *
 * @example
 * const health = new StoreHealth(events, 'limits');
 * health.failed('timeout'); // emits { store: 'limits', state: 'degraded', reason: 'timeout' }
 * health.ok();              // emits { store: 'limits', state: 'recovered', reason: 'answered' }
 */
export class StoreHealth {
  readonly #events: GatewayEvents | undefined;
  readonly #store: StoreName;
  #degraded = false;

  constructor(events: GatewayEvents | undefined, store: StoreName) {
    this.#events = events;
    this.#store = store;
  }

  failed(reason: string): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#events?.emit('store', { store: this.#store, state: 'degraded', reason });
  }

  ok(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#events?.emit('store', { store: this.#store, state: 'recovered', reason: 'answered' });
  }
}
