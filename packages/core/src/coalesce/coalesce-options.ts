import { z } from 'zod';
import { positiveInteger } from '../config/schema-helpers.js';

/**
 * In-flight coalescing (docs/cost.md): identical requests that arrive while one is in flight
 * share its upstream call. Opt-in (`coalesce: {}`), because callers of a sampled request
 * (`temperature > 0`) then get one draw instead of one each.
 */
export const coalesceSchema = z
  .strictObject({
    /** Callers sharing one call at most; later ones start a call of their own. Default 1000. */
    maxCallers: positiveInteger.default(1_000),
    /** Bytes of one shared answer kept for late joiners; past this, no one else joins. Default 8 MiB. */
    maxBufferedBytes: positiveInteger.default(8 * 1024 * 1024),
  })
  .optional();

export type CoalesceOptions = NonNullable<z.output<typeof coalesceSchema>>;
