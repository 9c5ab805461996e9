import type { Upstream } from '../../upstream/upstream.js';

/** One key (or deployment) of an upstream, with its share, its load and its cooldown. */
export interface PooledKey {
  readonly name: string;
  /** The upstream as seen with this key: same pool, its own `authorization`. */
  readonly upstream: Upstream;
  readonly weight: number;
  inFlight: number;
  /** `Date.now()` before which the key is not used (after a 429). */
  coolUntil: number;
  /** Smooth weighted round-robin credit (nginx), for ties on load. */
  credit: number;
}

/**
 * Spreads requests over an upstream's keys: the least loaded relative to its weight wins;
 * among equally loaded keys, smooth weighted round-robin keeps the shares right even when
 * requests come one at a time. A key that got a 429 sits out its `Retry-After`.
 *
 * @example
 * const pool = new KeyPool(upstream, [{ apiKey: 'sk-a', weight: 2 }, { apiKey: 'sk-b', weight: 1 }]);
 * const key = pool.pick(Date.now());
 */
export class KeyPool {
  readonly keys: readonly PooledKey[];
  readonly #totalWeight: number;

  constructor(
    upstream: Upstream,
    keys: ReadonlyArray<{ apiKey: string; weight: number; name?: string | undefined }>,
  ) {
    this.keys = keys.map((key, index) => ({
      name: key.name ?? `key${index}`,
      upstream: { ...upstream, authorization: `Bearer ${key.apiKey}` },
      weight: key.weight,
      inFlight: 0,
      coolUntil: 0,
      credit: 0,
    }));
    this.#totalWeight = this.keys.reduce((sum, key) => sum + key.weight, 0);
  }

  /** The key for the next request, or undefined when every key is cooling down. */
  pick(now: number): PooledKey | undefined {
    let lowestLoad = Number.POSITIVE_INFINITY;
    for (const key of this.keys) {
      if (key.coolUntil > now) continue;
      const load = key.inFlight / key.weight;
      if (load < lowestLoad) lowestLoad = load;
    }
    if (lowestLoad === Number.POSITIVE_INFINITY) return undefined;
    let chosen: PooledKey | undefined;
    let candidateWeight = 0;
    for (const key of this.keys) {
      if (key.coolUntil > now || key.inFlight / key.weight !== lowestLoad) continue;
      key.credit += key.weight;
      candidateWeight += key.weight;
      if (chosen === undefined || key.credit > chosen.credit) chosen = key;
    }
    if (chosen !== undefined) chosen.credit -= candidateWeight > 0 ? candidateWeight : this.#totalWeight;
    return chosen;
  }

  /** Whether some key is not cooling down. */
  hasAvailable(now: number): boolean {
    return this.keys.some((key) => key.coolUntil <= now);
  }

  /** Milliseconds until the first cooling key is usable again. */
  soonestAvailableMs(now: number): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const key of this.keys) soonest = Math.min(soonest, key.coolUntil - now);
    return Math.max(0, soonest);
  }
}
