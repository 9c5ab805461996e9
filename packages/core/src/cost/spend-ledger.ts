import type { CounterIncrement, Store } from '../stores/store.js';

/** What one subject (a client key or a tenant) used in one period. */
export interface PeriodUsage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  spendUsd: number;
}

const fields = ['requests', 'promptTokens', 'completionTokens', 'spendUsd'] as const;
const dayMs = 86_400_000;

// The periods of the current UTC day, computed once a day instead of a date string per request.
let cached = { from: 0, to: 0, periods: { day: '', month: '' } };

/** `2026-11-27` and `2026-11` in UTC: the day and month a request counts in. */
export function periodsOf(now = new Date()): { day: string; month: string } {
  const time = now.getTime();
  if (time >= cached.from && time < cached.to) return cached.periods;
  const day = now.toISOString().slice(0, 10);
  const from = time - (time % dayMs);
  cached = { from, to: from + dayMs, periods: { day, month: day.slice(0, 7) } };
  return cached.periods;
}

/**
 * Spend and token counters per subject (`key:<keyId>`, `tenant:<name>`) per UTC day and month
 * in the store, so every gateway instance adds to, and reads, the same totals. Days expire
 * after 2 days and months after 62, so the store never grows without bound.
 *
 * @example
 * const ledger = createSpendLedger(store);
 * await ledger.record(['key:key_abc'], { requests: 1, promptTokens: 10, completionTokens: 5, spendUsd: 0.0001 });
 * await ledger.read('key:key_abc', 'day'); // { requests: 1, ... }
 */
export function createSpendLedger(store: Store) {
  const keyOf = (subject: string, period: string, field: string) => `spend:${subject}:${period}:${field}`;
  return {
    async record(subjects: readonly string[], usage: PeriodUsage, now = new Date()): Promise<void> {
      const { day, month } = periodsOf(now);
      // One store call for every counter of the request (one Redis round trip, not sixteen).
      const increments: CounterIncrement[] = [];
      for (const subject of subjects) {
        for (const field of fields) {
          const amount = usage[field];
          if (amount === 0) continue;
          increments.push(
            { key: keyOf(subject, day, field), amount, ttlMs: 2 * dayMs },
            { key: keyOf(subject, month, field), amount, ttlMs: 62 * dayMs },
          );
        }
      }
      await store.addMany(increments);
    },
    async read(subject: string, period: 'day' | 'month', now = new Date()): Promise<PeriodUsage> {
      const name = periodsOf(now)[period];
      const values = await Promise.all(fields.map((field) => store.get(keyOf(subject, name, field))));
      const usage: PeriodUsage = { requests: 0, promptTokens: 0, completionTokens: 0, spendUsd: 0 };
      fields.forEach((field, index) => {
        usage[field] = Number(values[index] ?? 0);
      });
      return usage;
    },
    /** Only the spend, for the budget check on every request (one read per period). */
    async spend(subject: string, period: 'day' | 'month', now = new Date()): Promise<number> {
      return Number((await store.get(keyOf(subject, periodsOf(now)[period], 'spendUsd'))) ?? 0);
    },
  };
}

export type SpendLedger = ReturnType<typeof createSpendLedger>;
