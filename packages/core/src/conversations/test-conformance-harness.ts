import assert from 'node:assert/strict';
import type { ConversationStore } from './conversation-store.js';
import type { ConversationLimits, NewTurn } from './conversation-types.js';

/**
 * What the conformance suite needs from one store on its backend. Each scenario makes a fresh
 * harness (its own key prefix or schema), so `remnants` can insist on an empty backend.
 */
export interface ConformanceHarness {
  store: ConversationStore;
  /**
   * How much `action` read from the backend, as the backend reports it: turns copied out
   * (memory), reply items (Redis), rows the plans actually scanned (PostgreSQL, EXPLAIN ANALYZE).
   */
  measureReads(action: () => Promise<unknown>): Promise<number>;
  /** Everything left in the backend for this harness (keys, non-empty tables), described. */
  remnants(): Promise<string[]>;
  /** Backend housekeeping a deployment runs on a timer (PostgreSQL's purge of expired rows). */
  purge(): Promise<void>;
  /** Closes the store and opens a new one on the same backend: undefined for memory. */
  reopen: (() => Promise<ConversationStore>) | undefined;
  close(): Promise<void>;
}

/** Builds a harness with the given limits (defaults for the rest). */
export type MakeConformanceStore = (options: {
  limits?: Partial<ConversationLimits>;
}) => Promise<ConformanceHarness>;

/** A user turn with a recognisable text and a token count of its length. */
export const userTurn = (text: string): NewTurn => ({
  message: { role: 'user', content: text },
  tokens: text.length,
});

export const assistantTurn = (text: string, incomplete = false): NewTurn => ({
  message: { role: 'assistant', content: text },
  tokens: text.length,
  incomplete,
});

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` passes, polling every 20 ms for up to `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail('condition not reached');
    await sleep(20);
  }
}

/** Runs `scenario` on a fresh harness and closes it whatever happens. */
export async function withStore(
  makeStore: MakeConformanceStore,
  options: { limits?: Partial<ConversationLimits> },
  scenario: (harness: ConformanceHarness) => Promise<void>,
): Promise<void> {
  const harness = await makeStore(options);
  try {
    await scenario(harness);
  } finally {
    await harness.close();
  }
}

/** Counts settled outcomes by kind: 'ok' or the error's `reason`/`name`. */
export function tally(results: PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key =
      result.status === 'fulfilled'
        ? 'ok'
        : String((result.reason as { reason?: string }).reason ?? (result.reason as Error).name);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
