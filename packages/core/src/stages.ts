/**
 * The pipeline's stages, outermost first. A feature's policies and an embedder's policies are
 * placed by stage name; this list is the only place that orders them (docs/architecture.md).
 */
export const stages = [
  /** Redaction of what must never reach a client (upstream keys in error bodies). */
  'redact',
  /** Who is calling: a signature, a client key. */
  'authenticate',
  /** Requests per window and concurrency, before the body is parsed. */
  'admit',
  /** The JSON body, parsed once. */
  'parse',
  /** Input limits, allowed models: 400/403 before anything is spent. */
  'validate',
  /** The content filter on the request (and, through a transform, on the answer). */
  'filter',
  /** Spend budgets: an exhausted key pays for nothing after this. */
  'budget',
  /** Context fitting (trim, summarise). */
  'fit',
  /** Token reservations. */
  'reserve',
  /** Answers that need no new upstream call: the exact cache, coalescing, micro-batching. */
  'cache',
  /** Usage accounting on streams (`include_usage`). */
  'account',
  /** Upstream choice and the fallback chain. */
  'route',
  /** Retries before the first byte. */
  'retry',
  /** The circuit breaker, per attempt. */
  'breaker',
  /** Key and deployment choice, per attempt. */
  'keys',
  /** Upstream pacing, innermost: every attempt waits for its own slot. */
  'pace',
] as const;

/** A stage name, e.g. `'route'`. */
export type Stage = (typeof stages)[number];
