import { GatewayError } from '../errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import { StoreHealth } from '../events/store-health.js';
import type { GatewayContext, Policy } from '../types.js';
import type { BudgetLimits, BudgetsOptions, ModelPrice } from './cost-options.js';
import { createPriceTable } from './price-table.js';
import type { SpendLedger } from './spend-ledger.js';

/** The subjects spend is counted for: the client key, and its tenant when it has one. */
export function spendSubjects(context: GatewayContext, tenantHeader: string): string[] {
  const subjects: string[] = [];
  const keyId = context.client?.keyId;
  if (keyId !== undefined) subjects.push(`key:${keyId}`);
  const tenant = context.client?.tenant ?? context.request.headers[tenantHeader];
  if (typeof tenant === 'string' && tenant.length > 0) subjects.push(`tenant:${tenant.slice(0, 128)}`);
  return subjects;
}

const quotaExceeded = (subject: string, period: string) =>
  new GatewayError(
    'insufficient_quota',
    `You exceeded your current quota (${period} budget of ${subject.startsWith('tenant:') ? 'your tenant' : 'this key'}). Raise the budget or wait for the next period.`,
    { type: 'insufficient_quota' },
  );

/**
 * The reserve stage of cost control. Before the call: over a hard budget (per key or tenant,
 * per UTC day or month) answers 429 `insufficient_quota` with `x-should-retry: false`, which the OpenAI SDKs do not
 * retry; over a soft budget the request goes to the cheaper model in `cheaperModels` and
 * `x-ferry-budget` says so. After the call the usage is priced and added to the ledger.
 *
 * @example
 * policies.push(enforceBudget(options.budgets, options.prices, ledger, 'x-ferry-tenant'));
 */
export function enforceBudget(
  budgets: BudgetsOptions | undefined,
  prices: Readonly<Record<string, ModelPrice>>,
  ledger: SpendLedger,
  tenantHeader: string,
  events?: GatewayEvents,
): Policy {
  const health = new StoreHealth(events, 'spend');
  const announce = (context: GatewayContext, level: 'soft' | 'hard', subject: string) => {
    if (events?.wants('budget') !== true) return;
    const separator = subject.indexOf(':');
    const scope = subject.slice(0, separator) === 'tenant' ? 'tenant' : 'key';
    events.emit('budget', { context, level, scope, id: subject.slice(separator + 1) });
  };
  const costOf = createPriceTable(prices);
  const limitsOf = (subject: string): BudgetLimits | undefined => {
    if (budgets === undefined) return undefined;
    const [kind, name] = [subject.slice(0, subject.indexOf(':')), subject.slice(subject.indexOf(':') + 1)];
    return kind === 'key'
      ? (budgets.keys[name] ?? budgets.perKey)
      : (budgets.tenants[name] ?? budgets.perTenant);
  };

  const check = async (context: GatewayContext, subjects: readonly string[]) => {
    let soft = false;
    for (const subject of subjects) {
      const limits = limitsOf(subject);
      if (limits === undefined) continue;
      const hasDaily = limits.dailyUsd !== undefined || limits.softDailyUsd !== undefined;
      const hasMonthly = limits.monthlyUsd !== undefined || limits.softMonthlyUsd !== undefined;
      const [day, month] = await Promise.all([
        hasDaily ? ledger.spend(subject, 'day') : 0,
        hasMonthly ? ledger.spend(subject, 'month') : 0,
      ]);
      const hardPeriod =
        limits.dailyUsd !== undefined && day >= limits.dailyUsd
          ? 'daily'
          : limits.monthlyUsd !== undefined && month >= limits.monthlyUsd
            ? 'monthly'
            : undefined;
      if (hardPeriod !== undefined) {
        announce(context, 'hard', subject);
        throw quotaExceeded(subject, hardPeriod);
      }
      if (
        (limits.softDailyUsd !== undefined && day >= limits.softDailyUsd) ||
        (limits.softMonthlyUsd !== undefined && month >= limits.softMonthlyUsd)
      ) {
        soft = true;
        announce(context, 'soft', subject);
      }
    }
    if (!soft) return;
    const requested = context.model;
    const cheaper = requested === undefined ? undefined : budgets?.cheaperModels[requested];
    if (cheaper === undefined || context.body === undefined) {
      context.responseHeaders['x-ferry-budget'] = 'soft-limit';
      return;
    }
    context.body.model = cheaper;
    context.model = cheaper;
    context.bodyChanged = true;
    context.responseHeaders['x-ferry-budget'] = `soft-limit; model=${requested}->${cheaper}`;
    context.record.budget = 'soft-limit';
  };

  return (next) => async (context) => {
    if (context.body === undefined) return next(context);
    const subjects = spendSubjects(context, tenantHeader);
    if (subjects.length === 0) return next(context);
    try {
      await check(context, subjects);
      health.ok();
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      health.failed((error as { code?: string }).code ?? 'error');
      if (budgets?.onStoreFailure === 'closed') {
        throw new GatewayError('budget_store_unavailable', 'Budgets cannot be checked; retry shortly.', {
          headers: { 'retry-after': '1' },
          cause: error,
        });
      }
      context.record.budgetStore = 'unavailable';
    }
    const response = await next(context);
    context.onSettle((usage, _failure, status) => {
      if (usage === undefined || status >= 400) return;
      const { usd } = costOf(context.model, usage);
      context.record.spendUsd = usd;
      void ledger
        .record(subjects, {
          requests: 1,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          spendUsd: usd,
        })
        .catch(() => {
          // Spend is best effort when the store is down; the log line has the usage.
        });
    });
    return response;
  };
}
