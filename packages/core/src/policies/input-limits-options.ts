import { z } from 'zod';
import { positiveInteger } from '../config/schema-helpers.js';

/** Top-level `inputLimits`: absurd `max_tokens`, `n` or message counts answer 400. */
export const inputLimitsSchema = z.strictObject({
  maxCompletionTokens: positiveInteger.default(262_144),
  maxChoices: positiveInteger.default(128),
  maxMessages: positiveInteger.default(2_048),
});

export type InputLimitsOptions = z.output<typeof inputLimitsSchema>;
