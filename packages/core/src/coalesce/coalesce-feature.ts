import { answerKeyFor } from '../cache/answer-key.js';
import type { Feature } from '../feature.js';
import { coalesceSchema } from './coalesce-options.js';
import { coalesceRequests } from './coalesce-requests.js';

/**
 * In-flight coalescing (`coalesce`), at the `cache` stage after the exact cache (listed after
 * it in `features.ts`): the key is the cache's (its `scope` when the cache is on, else the
 * tenant), so only callers who could share a cached answer share a call.
 */
export const coalesceFeature: Feature = {
  name: 'coalesce',
  stages: ['cache'],
  options: { coalesce: coalesceSchema },
  setup({ options }) {
    const coalesce = options.coalesce;
    if (coalesce === undefined) return undefined;
    return { policies: { cache: coalesceRequests(coalesce, answerKeyFor(options)) } };
  },
};
