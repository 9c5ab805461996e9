import { z } from 'zod';
import { usd } from '../config/schema-helpers.js';

const priceFields = {
  inputPerMillionUsd: usd,
  cachedInputPerMillionUsd: usd.optional(),
  outputPerMillionUsd: usd.default(0),
};
const price: z.ZodObject<typeof priceFields, z.core.$strict> = z.strictObject(priceFields);

const budgetLimitsFields = {
  dailyUsd: usd.optional(),
  monthlyUsd: usd.optional(),
  softDailyUsd: usd.optional(),
  softMonthlyUsd: usd.optional(),
};
const budgetLimits: z.ZodObject<typeof budgetLimitsFields, z.core.$strict> =
  z.strictObject(budgetLimitsFields);

const budgetsFields = {
  /** Limits for every client key (by key id), overridable per key id in `keys`. */
  perKey: budgetLimits.default({}),
  perTenant: budgetLimits.default({}),
  keys: z.record(z.string(), budgetLimits).default({}),
  tenants: z.record(z.string(), budgetLimits).default({}),
  /** Over a soft limit, requests for a model on the left go to the model on the right. */
  cheaperModels: z.record(z.string(), z.string()).default({}),
  /** When the store cannot be read, `open` lets requests through, `closed` answers 503. */
  onStoreFailure: z.enum(['open', 'closed']).default('open'),
};
export const budgetsSchema: z.ZodObject<typeof budgetsFields, z.core.$strict> = z.strictObject(budgetsFields);

const usageEndpointFields = {
  /** Sent as `Authorization: Bearer <adminKey>`; compared in constant time. */
  adminKey: z.string().min(16),
  /** Below the API base: `GET /v1/ferry/usage` by default. */
  path: z.string().startsWith('/').default('/ferry/usage'),
};
export const usageEndpointSchema: z.ZodObject<typeof usageEndpointFields, z.core.$strict> =
  z.strictObject(usageEndpointFields);

/** Prices in USD per million tokens, merged over the defaults (longest model prefix wins). */
export const pricesSchema = z.record(z.string(), price).default({});

export type BudgetsOptions = z.output<typeof budgetsSchema>;
export type BudgetLimits = z.output<typeof budgetLimits>;
export type UsageEndpointOptions = z.output<typeof usageEndpointSchema>;
export type ModelPrice = z.output<typeof price>;
