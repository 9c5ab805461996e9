import type { Feature } from '../feature.js';
import { filterContent } from '../policies/filter-content.js';
import { contentFilterOptionsSchema } from './filter-options.js';

/** Sensitive-content filtering of prompts and answers (docs/security.md). */
export const contentFilterFeature: Feature = {
  name: 'content-filter',
  stages: ['filter'],
  options: { contentFilter: contentFilterOptionsSchema },
  setup({ options, events }) {
    if (options.contentFilter === undefined) return undefined;
    return { policies: { filter: filterContent(options.contentFilter, events) } };
  },
};
