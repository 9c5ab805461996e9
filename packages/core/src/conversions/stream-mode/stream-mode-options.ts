import { z } from 'zod';

/** Which requests a rule applies to: every list given must match (an empty rule matches all). */
const requestSelector = z.strictObject({
  /** Route names: `chat.completions`, `responses`. */
  routes: z
    .array(z.enum(['chat.completions', 'responses']))
    .min(1)
    .optional(),
  /** Model names as the upstream gets them (after the model map); a trailing `*` matches a prefix. */
  models: z.array(z.string().min(1)).min(1).optional(),
  /** Upstream names. */
  upstreams: z.array(z.string().min(1)).min(1).optional(),
});
const selectors = z.union([z.literal(true), z.array(requestSelector).min(1)]);

/**
 * `streamConversion`: serve a client in the mode it asked for from an upstream in another one.
 * Off when absent.
 *
 * @example
 * streamConversion: {
 *   streamUpstream: [{ models: ['gpt-5*'] }],     // long answers stream upstream, JSON callers get one object
 *   jsonUpstream: [{ upstreams: ['batch-only'] }], // this upstream cannot stream: stream callers get SSE made from its JSON
 * }
 */
export const streamConversionSchema = z.strictObject({
  /**
   * JSON clients served by asking the upstream for a stream (with `include_usage`) and
   * answering the aggregate: `true` for every request, or rules. A stream that ends without
   * its end marker is a 502 `upstream_stream_incomplete`, never a truncated answer.
   */
  streamUpstream: selectors.optional(),
  /**
   * Stream clients served by asking the upstream for JSON and answering it as a stream (role,
   * content, finish, usage only if asked, `[DONE]`; the Responses API's `response.*` events):
   * for upstreams or models that cannot stream.
   */
  jsonUpstream: selectors.optional(),
  /**
   * Honour `x-ferry-upstream-stream: true | false` per request (`true`: ask the upstream for a
   * stream, `false`: for JSON, whatever the client asked). Default true.
   */
  header: z.boolean().default(true),
});

export type ResolvedStreamConversionOptions = z.output<typeof streamConversionSchema>;
export type RequestSelector = z.output<typeof requestSelector>;
