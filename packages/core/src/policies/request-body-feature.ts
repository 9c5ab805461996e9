import type { Feature } from '../feature.js';
import { inputLimits } from './input-limits.js';
import { inputLimitsSchema } from './input-limits-options.js';
import { parseBody } from './parse-body.js';

/** The JSON body, parsed once (`parse`), and the input limits checked on it (`validate`). Always on. */
export const requestBodyFeature: Feature = {
  name: 'request-body',
  stages: ['parse', 'validate'],
  options: { inputLimits: inputLimitsSchema },
  setup: ({ options }) => ({ policies: { parse: parseBody(), validate: inputLimits(options.inputLimits) } }),
};
