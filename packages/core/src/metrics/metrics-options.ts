import { z } from 'zod';
import { functionOf } from '../config/schema-helpers.js';

const bucketList = z
  .array(z.number().positive())
  .min(1)
  .refine(
    (buckets) => buckets.every((value, index) => index === 0 || value > (buckets[index - 1] as number)),
    {
      message: 'buckets must be in increasing order',
    },
  );

/** Histogram bucket bounds, in seconds. */
export const defaultBuckets = {
  /** Whole requests: an LLM answer takes from milliseconds (errors, embeddings) to minutes (streams). */
  requestDurationSeconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  /** Ferry's own time per request: tens of microseconds to milliseconds. */
  overheadSeconds: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
  /** Time to the upstream's response headers (for a stream, the first token is close behind). */
  firstByteSeconds: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
};

/**
 * `metrics`: Prometheus metrics on a registry of the gateway's own (off when left out).
 *
 * @example
 * createGateway({ upstream, metrics: {} }); // GET /v1/ferry/metrics, names prefixed `ferry_`
 */
const metricsOptionsFields = {
  /** Prepended to every metric name. */
  prefix: z
    .string()
    .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a valid Prometheus metric name prefix')
    .default('ferry_'),
  /**
   * Where the gateway serves the exposition, below the API base (`GET /v1/ferry/metrics`);
   * `false` serves nothing (the host app renders `gateway.metrics` on its own route).
   */
  path: z
    .union([z.literal(false), z.string().regex(/^\/[^?#]*[^/]$/, 'must start with / and not end with /')])
    .default('/ferry/metrics'),
  /** Required as `Authorization: Bearer <adminKey>`; defaults to `usageEndpoint.adminKey`. */
  adminKey: z.string().min(16).optional(),
  /**
   * What the endpoint serves instead of this gateway's registry: the standalone server's
   * workers serve the sum of every worker (code only, not in a JSON config).
   */
  render: functionOf<() => Promise<string>>('metrics.render').optional(),
  /** Also export Node's process metrics (CPU, memory, event loop lag, GC). */
  defaultMetrics: z.boolean().default(false),
  /** Histogram buckets in seconds, replacing the defaults per histogram. */
  buckets: z
    .strictObject({
      requestDurationSeconds: bucketList.optional(),
      overheadSeconds: bucketList.optional(),
      firstByteSeconds: bucketList.optional(),
    })
    .default({}),
  /** Distinct `model` label values beyond the configured models; later ones count as `other`. */
  maxModels: z.number().int().nonnegative().default(50),
};
export const metricsOptionsSchema: z.ZodObject<typeof metricsOptionsFields, z.core.$strict> =
  z.strictObject(metricsOptionsFields);

export type MetricsOptions = z.input<typeof metricsOptionsSchema>;
export type ResolvedMetricsOptions = z.output<typeof metricsOptionsSchema>;
