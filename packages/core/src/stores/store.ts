/**
 * Shared state for the policies that must agree across gateway instances (nonces, spend,
 * cached summaries). In memory by default; Redis when a Redis URL is configured.
 */
export interface Store {
  readonly kind: 'memory' | 'redis';
  /** Sets `key` only when it is absent (Redis `SET NX PX`); true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Adds `amount` (may be fractional) and returns the new value; `ttlMs` applies on creation. */
  incrementBy(key: string, amount: number, ttlMs?: number): Promise<number>;
  /**
   * Adds to several counters in one call (one round trip on Redis), each as `incrementBy`
   * would; for counters whose new values nobody waits for (spend, tokens used).
   */
  addMany(increments: readonly CounterIncrement[]): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** One counter's addition in `Store.addMany`. */
export interface CounterIncrement {
  key: string;
  amount: number;
  /** Applies when the counter is created. */
  ttlMs?: number;
}
