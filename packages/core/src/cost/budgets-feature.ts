import type { Feature } from '../feature.js';
import { limitsSchema } from '../policies/rate-limit/limits-options.js';
import { budgetsSchema, pricesSchema, usageEndpointSchema } from './cost-options.js';
import { enforceBudget } from './enforce-budget.js';
import { createSpendLedger } from './spend-ledger.js';
import { createUsageEndpoint } from './usage-endpoint.js';

/**
 * Prices, budgets and spend: on when `budgets` or `usageEndpoint` is set. Checks budgets at
 * `budget` (before fit-context, so an exhausted key pays for no summary), records spend when
 * the request settles, and serves `GET /v1/ferry/usage`.
 */
export const budgetsFeature: Feature = {
  name: 'budgets',
  stages: ['budget'],
  options: { budgets: budgetsSchema, prices: pricesSchema, usageEndpoint: usageEndpointSchema },
  setup({ options, stores, clients, events }) {
    if (options.budgets === undefined && options.usageEndpoint === undefined) return undefined;
    const ledger = createSpendLedger(stores.store);
    const tenantHeader = options.limits?.tenantHeader ?? limitsTenantHeaderDefault;
    const usage = options.usageEndpoint;
    return {
      policies: { budget: enforceBudget(options.budgets, options.prices, ledger, tenantHeader, events) },
      routes:
        usage === undefined
          ? []
          : [
              {
                method: 'GET',
                path: usage.path,
                handler: createUsageEndpoint(usage.adminKey, ledger, () => clients.plainKeyIds()),
              },
            ],
    };
  },
};

// The tenant header when `limits` is off: the limits schema's own default, not a copy of it.
const limitsTenantHeaderDefault = limitsSchema.parse({}).tenantHeader;
