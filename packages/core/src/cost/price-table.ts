import { lookupByPrefix } from '../tokens/context-windows.js';
import type { Usage } from '../types.js';
import type { ModelPrice } from './cost-options.js';

const price = (input: number, cachedInput: number | undefined, output: number): ModelPrice => ({
  inputPerMillionUsd: input,
  ...(cachedInput === undefined ? {} : { cachedInputPerMillionUsd: cachedInput }),
  outputPerMillionUsd: output,
});

/**
 * OpenAI's and Anthropic's list prices in USD per million tokens (standard tier) for common models. Prices
 * change: override them with `prices`. Dated snapshots resolve to their family by prefix.
 */
export const defaultPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-5': price(1.25, 0.125, 10),
  'gpt-5-mini': price(0.25, 0.025, 2),
  'gpt-5-nano': price(0.05, 0.005, 0.4),
  'gpt-4.1': price(2, 0.5, 8),
  'gpt-4.1-mini': price(0.4, 0.1, 1.6),
  'gpt-4.1-nano': price(0.1, 0.025, 0.4),
  'gpt-4o': price(2.5, 1.25, 10),
  'gpt-4o-mini': price(0.15, 0.075, 0.6),
  o1: price(15, 7.5, 60),
  o3: price(2, 0.5, 8),
  'o3-mini': price(1.1, 0.55, 4.4),
  'o4-mini': price(1.1, 0.275, 4.4),
  'gpt-4-turbo': price(10, undefined, 30),
  'gpt-4': price(30, undefined, 60),
  'gpt-3.5-turbo': price(0.5, undefined, 1.5),
  // Anthropic's list prices; the cached price is the cache-hit price. Cache writes (1.25× input
  // for 5 minutes) are priced as input: the usage Ferry carries does not separate them.
  'claude-opus-4-5': price(5, 0.5, 25),
  'claude-opus-4-1': price(15, 1.5, 75),
  'claude-opus-4': price(15, 1.5, 75),
  'claude-sonnet-4-5': price(3, 0.3, 15),
  'claude-sonnet-4': price(3, 0.3, 15),
  'claude-haiku-4-5': price(1, 0.1, 5),
  'claude-3-7-sonnet': price(3, 0.3, 15),
  'claude-3-5-sonnet': price(3, 0.3, 15),
  'claude-3-5-haiku': price(0.8, 0.08, 4),
  'claude-3-opus': price(15, 1.5, 75),
  'claude-3-haiku': price(0.25, 0.03, 1.25),
  'text-embedding-3-small': price(0.02, undefined, 0),
  'text-embedding-3-large': price(0.13, undefined, 0),
  'text-embedding-ada-002': price(0.1, undefined, 0),
};

/**
 * Builds the cost function once: USD for a request's usage on a model; cached prompt tokens
 * at the cached-input price (the input price when a model has none). Unknown models cost 0
 * and are reported by `priced: false`.
 *
 * @example
 * const costOf = createPriceTable({ 'my-llama': { inputPerMillionUsd: 0, outputPerMillionUsd: 0 } });
 * costOf('gpt-4o-mini', usage); // { usd: 0.00021, priced: true }
 */
export function createPriceTable(overrides: Readonly<Record<string, ModelPrice>>) {
  const table = new Map(Object.entries({ ...defaultPrices, ...overrides }));
  return (model: string | undefined, usage: Usage): { usd: number; priced: boolean } => {
    const entry = lookupByPrefix(table, model);
    if (entry === undefined) return { usd: 0, priced: false };
    const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
    const usd =
      ((usage.promptTokens - cached) * entry.inputPerMillionUsd +
        cached * (entry.cachedInputPerMillionUsd ?? entry.inputPerMillionUsd) +
        usage.completionTokens * entry.outputPerMillionUsd) /
      1_000_000;
    return { usd, priced: true };
  };
}
