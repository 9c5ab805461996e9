import type { Feature } from '../../feature.js';
import { retry } from './retry.js';
import { fleetRetryBudget } from './retry-budget.js';
import { retrySchema } from './retry-options.js';

/** Retries before the first byte, under one retry budget per gateway (docs/resilience.md). */
export const retryFeature: Feature = {
  name: 'retry',
  stages: ['retry'],
  options: { retry: retrySchema },
  setup({ options, events }) {
    const settings = options.retry;
    if (settings === undefined) return undefined;
    const instances = options.redis?.instances ?? 1;
    const budget = fleetRetryBudget(settings.budgetPercent, settings.budgetMinimum, instances);
    return { policies: { retry: retry(settings, budget, events) } };
  },
};
