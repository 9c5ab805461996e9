import { z } from 'zod';

/**
 * Top-level `requestStreamUsage`: ask the upstream for `stream_options.include_usage` so usage
 * is known for every stream; the extra usage chunk is removed again when the client did not
 * ask for it. Default false.
 */
export const requestStreamUsageOption = z.boolean().default(false);
