/**
 * A Map that empties itself when it grows past `limit`. The mock precomputes response pieces
 * per (model, content, ...) key; a client that varies those per request must not grow memory
 * without bound during a long benchmark, and a full clear is cheaper than LRU bookkeeping.
 *
 * @example
 * const cache = new BoundedCache<string, string>(100);
 * const value = cache.get('key') ?? cache.set('key', 'computed');
 */
export class BoundedCache<Key, Value> {
  readonly #entries = new Map<Key, Value>();

  constructor(private readonly limit: number) {}

  get(key: Key): Value | undefined {
    return this.#entries.get(key);
  }

  /** Stores `value` and returns it, so a miss reads as `cache.get(key) ?? cache.set(key, compute())`. */
  set(key: Key, value: Value): Value {
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }
}
