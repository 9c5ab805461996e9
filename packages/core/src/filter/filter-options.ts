import { z } from 'zod';

const ruleSchema = z
  .strictObject({
    /** Shown in logs when the rule matches (the matched text never is). */
    name: z.string().min(1),
    /** A JavaScript regular expression, matched against the normalised text. */
    pattern: z.string().min(1),
    /** Flags besides `g` (always on): `i`, `m`, `s`, `u`. Default `u`. */
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'may contain only i, m, s, u')
      .default('u'),
    /**
     * Longest text the rule can match, in characters: a stream holds back this many characters
     * minus one so a match split across chunks is still seen.
     */
    maxLength: z.number().int().positive().max(1_000).default(32),
  })
  .refine(
    (rule) => {
      try {
        new RegExp(rule.pattern, `${rule.flags}g`);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'is not a valid regular expression', path: ['pattern'] },
  );

/** Options of sensitive-content filtering (docs/security.md). */
const contentFilterOptionsFields = {
  /** Word-list files: UTF-8, one word or phrase per line, `#` starts a comment line. */
  wordLists: z.array(z.string().min(1)).default([]),
  /** Words given inline, added to the lists. */
  words: z.array(z.string().min(1)).default([]),
  rules: z.array(ruleSchema).default([]),
  /** Requests with a match: `block` (400 `content_filter`), `mask` (replace with `*`), or `off`. */
  request: z.enum(['block', 'mask', 'off']).default('block'),
  /** Answers with a match, streams included: `mask`, `stop` (finish_reason `content_filter`), or `off`. */
  response: z.enum(['mask', 'stop', 'off']).default('mask'),
};
export const contentFilterOptionsSchema: z.ZodObject<typeof contentFilterOptionsFields, z.core.$strict> =
  z.strictObject(contentFilterOptionsFields);

export type ContentFilterOptions = z.input<typeof contentFilterOptionsSchema>;
export type ResolvedContentFilterOptions = z.output<typeof contentFilterOptionsSchema>;
