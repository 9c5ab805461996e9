import { createClientDirectory } from '../clients/client-directory.js';
import { enforceBudget } from '../cost/enforce-budget.js';
import { createSpendLedger } from '../cost/spend-ledger.js';
import { createUsageEndpoint } from '../cost/usage-endpoint.js';
import { limitsSchema } from '../governance-options.js';
import type { PipelineSetup } from '../pipeline.js';
import type { Policy } from '../types.js';
import { fitContext } from './fit-context/fit-context.js';
import { inputLimits } from './input-limits.js';
import { admit } from './rate-limit/admit.js';
import { reserveTokens } from './rate-limit/reserve-tokens.js';
import { upstreamPacing } from './upstream-pacing/upstream-pacing.js';

/**
 * Traffic and cost governance, one function per pipeline stage, each returning the policies
 * its options turn on (see docs/governance.md). Limits a client carries in `clients[].limits`
 * turn the limit stages on even without a global `limits` option.
 */
const limitsOf = (setup: PipelineSetup) => {
  const { limits, clients } = setup.options;
  if (limits !== undefined) return limits;
  const anyClientLimit = clients.some(
    (client) =>
      client.limits.requestsPerMinute !== undefined ||
      client.limits.tokensPerMinute !== undefined ||
      client.limits.concurrentRequests !== undefined,
  );
  return anyClientLimit ? limitsSchema.parse({}) : undefined;
};

/** Admit: requests per window and concurrent requests (before the body is parsed). */
export function admitStage(setup: PipelineSetup): Policy[] {
  const limits = limitsOf(setup);
  return limits === undefined ? [] : [admit(limits, setup)];
}

/** Validate: absurd `max_tokens`, `n`, message counts → 400 before anything else is spent. */
export function validateStage(setup: PipelineSetup): Policy[] {
  return [inputLimits(setup.options.inputLimits)];
}

/** Budgets first (an exhausted key pays for no summary), then fit context, then reserve tokens. */
export function fitAndReserveStage(setup: PipelineSetup): Policy[] {
  const { options } = setup;
  const policies: Policy[] = [];
  const tenantHeader = options.limits?.tenantHeader ?? 'x-ferry-tenant';
  if (options.budgets !== undefined || options.usageEndpoint !== undefined) {
    const ledger = createSpendLedger(setup.stores.store);
    policies.push(enforceBudget(options.budgets, options.prices, ledger, tenantHeader));
    if (options.usageEndpoint !== undefined) {
      const directory = createClientDirectory(options.clientKeys, options.clients);
      const keyIds = options.clientKeys
        .map((key) => directory.identify(key)?.keyId)
        .filter((keyId): keyId is string => keyId !== undefined);
      const endpoint = createUsageEndpoint(options.usageEndpoint.adminKey, ledger, () => keyIds);
      setup.addInternalRoute('GET', options.usageEndpoint.path, endpoint);
    }
  }
  policies.push(fitContext(options.context, setup));
  const limits = limitsOf(setup);
  if (limits !== undefined) policies.push(reserveTokens(limits, setup));
  return policies;
}

/** Pacing: innermost, so every attempt of a retry waits for its own slot. */
export function pacingStage(setup: PipelineSetup): Policy[] {
  return setup.options.pacing === undefined ? [] : [upstreamPacing(setup.options.pacing, setup)];
}
