import type { Feature } from '../../feature.js';
import { requestStreamUsage } from './request-stream-usage.js';
import { requestStreamUsageOption } from './stream-usage-options.js';

/**
 * Usage accounting on streams: with `requestStreamUsage: true`, every chat or completions
 * stream asks the upstream for its usage chunk (and hides it from clients that did not ask),
 * so token limits, budgets and metrics settle on the upstream's numbers instead of an estimate.
 */
export const streamUsageFeature: Feature = {
  name: 'stream-usage',
  stages: ['account'],
  options: { requestStreamUsage: requestStreamUsageOption },
  setup: ({ options }) =>
    options.requestStreamUsage ? { policies: { account: requestStreamUsage() } } : undefined,
};
