import type { Upstream } from '../../upstream/upstream.js';

/** One key or deployment of an upstream: the upstream as seen through it, and its share. */
export interface PoolMemberSpec {
  readonly name: string;
  /** Same pool as the upstream with its own `authorization` (a key), or another origin's pool (a deployment). */
  readonly upstream: Upstream;
  readonly weight: number;
  /** Shown in `x-ferry-upstream` and the log as `<upstream>/<name>`; undefined for plain keys. */
  readonly servedAs?: string | undefined;
}

/** A member with its load and cooldowns. */
export interface PooledKey extends PoolMemberSpec {
  inFlight: number;
  /** `Date.now()` before which the member is not used (after a 429). */
  coolUntil: number;
  /** `Date.now()` before which the member is used only when every other one is down too (its connection failed). */
  downUntil: number;
  /** Smooth weighted round-robin credit (nginx), for ties on load. */
  credit: number;
}

// Larger than any real load: a member that is down sorts after every one that is not.
const downPenalty = 1e9;

/**
 * Spreads requests over an upstream's keys or deployments: the least loaded relative to its
 * weight wins; among equally loaded ones, smooth weighted round-robin keeps the shares right
 * even when requests come one at a time. A member that got a 429 sits out its `Retry-After`;
 * one whose connection failed is avoided while another is up.
 *
 * @example
 * const pool = new KeyPool(keyMembers(upstream, [{ apiKey: 'sk-a', weight: 2 }, { apiKey: 'sk-b', weight: 1 }]));
 * const key = pool.pick(Date.now());
 */
export class KeyPool {
  readonly keys: readonly PooledKey[];
  /** Deployments are separate hosts: a failed connection to one says nothing about another. */
  readonly routesAroundConnectFailures: boolean;
  readonly #totalWeight: number;

  constructor(members: readonly PoolMemberSpec[], settings: { routesAroundConnectFailures?: boolean } = {}) {
    this.keys = members.map((member) => ({ ...member, inFlight: 0, coolUntil: 0, downUntil: 0, credit: 0 }));
    this.routesAroundConnectFailures = settings.routesAroundConnectFailures ?? false;
    this.#totalWeight = this.keys.reduce((sum, key) => sum + key.weight, 0);
  }

  /** The member for the next request, or undefined when every one is cooling down. */
  pick(now: number): PooledKey | undefined {
    let lowestLoad = Number.POSITIVE_INFINITY;
    for (const key of this.keys) {
      if (key.coolUntil > now) continue;
      const load = loadOf(key, now);
      if (load < lowestLoad) lowestLoad = load;
    }
    if (lowestLoad === Number.POSITIVE_INFINITY) return undefined;
    let chosen: PooledKey | undefined;
    let candidateWeight = 0;
    for (const key of this.keys) {
      if (key.coolUntil > now || loadOf(key, now) !== lowestLoad) continue;
      key.credit += key.weight;
      candidateWeight += key.weight;
      if (chosen === undefined || key.credit > chosen.credit) chosen = key;
    }
    if (chosen !== undefined) chosen.credit -= candidateWeight > 0 ? candidateWeight : this.#totalWeight;
    return chosen;
  }

  /** The member called `name` when it is neither cooling nor down, else undefined. */
  named(name: string, now: number): PooledKey | undefined {
    const key = this.keys.find((member) => member.name === name);
    return key === undefined || key.coolUntil > now || key.downUntil > now ? undefined : key;
  }

  /** Whether some member is not cooling down. */
  hasAvailable(now: number): boolean {
    return this.keys.some((key) => key.coolUntil <= now);
  }

  /** Milliseconds until the first cooling member is usable again. */
  soonestAvailableMs(now: number): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const key of this.keys) soonest = Math.min(soonest, key.coolUntil - now);
    return Math.max(0, soonest);
  }
}

const loadOf = (key: PooledKey, now: number) =>
  key.inFlight / key.weight + (key.downUntil > now ? downPenalty : 0);

/**
 * Members for `keys`: the upstream itself (same pool) with each key's `authorization`.
 *
 * @example
 * keyMembers(upstream, [{ apiKey: 'sk-a', weight: 1 }]); // [{ name: 'key0', ... }]
 */
export function keyMembers(
  upstream: Upstream,
  keys: ReadonlyArray<{ apiKey: string; weight: number; name?: string | undefined }>,
): PoolMemberSpec[] {
  return keys.map((key, index) => ({
    name: key.name ?? `key${index}`,
    upstream: { ...upstream, authorization: `Bearer ${key.apiKey}` },
    weight: key.weight,
  }));
}
