import { z } from 'zod';
import { positiveInteger } from '../config/schema-helpers.js';

/** Top-level `inputLimits`: absurd `max_tokens`, `n` or message counts answer 400. */
const inputLimitsFields = {
  maxCompletionTokens: positiveInteger.default(262_144),
  maxChoices: positiveInteger.default(128),
  maxMessages: positiveInteger.default(2_048),
};
export const inputLimitsSchema: z.ZodObject<typeof inputLimitsFields, z.core.$strict> =
  z.strictObject(inputLimitsFields);

export type InputLimitsOptions = z.output<typeof inputLimitsSchema>;
