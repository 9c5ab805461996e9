import type { Store } from './store.js';

interface Entry {
  // Counters stay numbers (no string round trip per increment); `get` answers strings as Redis does.
  value: string | number;
  expiresAt: number;
}

/**
 * A Store in this process's memory. Expired entries are dropped when read and by a sweep
 * every `sweepIntervalMs`, whose timer does not keep the process alive.
 *
 * @example
 * const store = createMemoryStore();
 * await store.setIfAbsent('nonce:abc', '1', 600_000); // true, then false until it expires
 */
export function createMemoryStore(sweepIntervalMs = 30_000): Store {
  const entries = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  }, sweepIntervalMs);
  sweep.unref();
  const expiry = (ttlMs?: number) => (ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs);
  const add = (key: string, amount: number, ttlMs: number | undefined): number => {
    const entry = live(key);
    if (entry === undefined) {
      entries.set(key, { value: amount, expiresAt: expiry(ttlMs) });
      return amount;
    }
    const next = (typeof entry.value === 'number' ? entry.value : Number(entry.value)) + amount;
    entry.value = next;
    return next;
  };

  return {
    kind: 'memory',
    async setIfAbsent(key, value, ttlMs) {
      if (live(key) !== undefined) return false;
      entries.set(key, { value, expiresAt: expiry(ttlMs) });
      return true;
    },
    async get(key) {
      const value = live(key)?.value;
      return value === undefined ? undefined : String(value);
    },
    async set(key, value, ttlMs) {
      entries.set(key, { value, expiresAt: expiry(ttlMs) });
    },
    async incrementBy(key, amount, ttlMs) {
      return add(key, amount, ttlMs);
    },
    async addMany(increments) {
      for (const { key, amount, ttlMs } of increments) add(key, amount, ttlMs);
    },
    async delete(key) {
      entries.delete(key);
    },
    async close() {
      clearInterval(sweep);
      entries.clear();
    },
  };
}
