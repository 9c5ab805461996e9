import { z } from 'zod';
import { positiveInteger } from '../../config/schema-helpers.js';

/** Top-level `conversations`: server-side chat history named by `x-ferry-conversation`. */
const conversationsFields = {
  /** Where turns are kept: this process (`memory`), the gateway's `redis`, or `postgres`. */
  store: z.enum(['memory', 'redis', 'postgres']).default('memory'),
  /** `postgres://user@host:5432/db`, required with `store: 'postgres'`. */
  postgresUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Most turns per conversation; a turn past it is refused with 400 `conversation_limit_exceeded`. */
  maxTurns: positiveInteger.default(2_000),
  /** Most bytes of stored messages per conversation. */
  maxBytes: positiveInteger.default(8 * 1024 * 1024),
  /** Sliding TTL: a conversation expires this long after its last write. */
  ttlMs: positiveInteger.default(30 * 24 * 3_600_000),
  /** Most stored turns loaded per request (the newest ones, within the model's window). */
  windowTurns: positiveInteger.max(1_000).default(200),
  /**
   * Upstreams that keep Responses API state themselves (OpenAI does; local model servers do not).
   * A `previous_response_id` follow-up to a response one of them produced goes back to it, with
   * its key, sending only the new input; every other upstream gets the whole chain replayed.
   */
  statefulUpstreams: z.array(z.string().min(1)).default([]),
  /** How long one turn holds its conversation; should cover the longest answer. */
  leaseMs: positiveInteger.default(600_000),
};
export const conversationsSchema: z.ZodObject<typeof conversationsFields, z.core.$strict> =
  z.strictObject(conversationsFields);

export type ConversationsOptions = z.output<typeof conversationsSchema>;
