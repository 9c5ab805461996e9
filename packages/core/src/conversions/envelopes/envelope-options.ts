import { z } from 'zod';

/**
 * One response envelope: JSONata expressions (jsonata.org) that map Ferry's answer into the
 * shape a business system expects. Compiled once at start; an expression that does not compile
 * is an options error naming its field.
 *
 * @example
 * { name: 'back-office', clients: ['erp'],
 *   answer: '{ "code": 0, "msg": "ok", "data": { "answer": text, "usage": usage } }',
 *   error: '{ "code": status, "msg": error.message, "data": null }',
 *   stream: { format: 'ndjson', delta: '{ "delta": text }', final: '{ "code": 0, "data": { "answer": text } }' } }
 */
const envelopeSchema = z.strictObject({
  /** Shown in the log line (`envelope`). */
  name: z.string().min(1),
  /** Client ids (`clients[].id`) whose answers it maps; every client when absent. */
  clients: z.array(z.string().min(1)).min(1).optional(),
  /** Route names it maps; chat completions and the Responses API when absent. */
  routes: z
    .array(z.enum(['chat.completions', 'responses']))
    .min(1)
    .optional(),
  /**
   * The JSON answer, over `{ answer, text, usage, model, request }`: `answer` is the chat
   * completion or response object, `text` its first answer's text, `request` the client's body.
   */
  answer: z.string().min(1),
  /**
   * Error answers, Ferry's own and the upstream's, over `{ error, status, request }` (`error` is
   * the OpenAI error object). The status stays. Default: errors are not mapped.
   */
  error: z.string().min(1).optional(),
  /** Streams: each text delta as one event, then a final event from the whole answer. Default: streams are not mapped. */
  stream: z
    .strictObject({
      /** `sse` (`data: <json>` events) or `ndjson` (one JSON object per line). Default `sse`. */
      format: z.enum(['sse', 'ndjson']).default('sse'),
      /** Each text delta, over `{ text, index, request }` (`index`: the choice or output item). */
      delta: z.string().min(1),
      /** The last event, over the same input as `answer`. Default: none. */
      final: z.string().min(1).optional(),
    })
    .optional(),
});

/** `responseEnvelopes`: the first envelope matching a request's client and route maps its answer. */
export const responseEnvelopesSchema = z.array(envelopeSchema).min(1);

export type ResolvedEnvelopeOptions = z.output<typeof envelopeSchema>;
