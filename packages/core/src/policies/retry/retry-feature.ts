import type { Feature } from '../../feature.js';
import { retry } from './retry.js';
import { RetryBudget } from './retry-budget.js';
import { retrySchema } from './retry-options.js';

/** Retries before the first byte, under one retry budget per gateway (docs/resilience.md). */
export const retryFeature: Feature = {
  name: 'retry',
  stages: ['retry'],
  options: { retry: retrySchema },
  setup({ options, events }) {
    const settings = options.retry;
    if (settings === undefined) return undefined;
    // The percentage holds for the fleet as it holds for each instance; the floor would
    // multiply by the instance count, so each instance takes its share of it.
    const instances = options.redis?.instances ?? 1;
    const budget = new RetryBudget(settings.budgetPercent, Math.ceil(settings.budgetMinimum / instances));
    return { policies: { retry: retry(settings, budget, events) } };
  },
};
