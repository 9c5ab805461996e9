import { z } from 'zod';
import { positiveInteger } from '../config/schema-helpers.js';

/** `gen_ai.client.operation.duration` buckets (s): the convention's, then on past 81.92 s for long streams. */
export const operationDurationBuckets = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68,
  655.36, 1310.72,
];
/** `gen_ai.client.token.usage` buckets, as the convention gives them. */
export const tokenUsageBuckets = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** `gen_ai.client.operation.time_to_first_chunk` buckets (s). */
export const firstChunkBuckets = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60,
];

const openTelemetryFields = {
  /** One span per request and one per upstream attempt, on the host app's tracer provider. */
  traces: z.boolean().default(true),
  /** `gen_ai.client.*` metrics on the host app's meter provider. */
  metrics: z.boolean().default(true),
  /** The instrumentation scope name of the tracer and the meter. */
  scope: z.string().min(1).default('@ferry/core'),
  /** `gen_ai.provider.name` for every upstream (Ferry speaks the OpenAI API upstream). */
  providerName: z.string().min(1).default('openai'),
  /** Distinct `gen_ai.request.model` values beyond the configured models; later ones are `other`. */
  maxModels: positiveInteger.default(50),
};

/**
 * `openTelemetry`: spans and metrics following the GenAI semantic conventions, through
 * `@opentelemetry/api` (an optional peer dependency, loaded only when this is set). Ferry
 * never starts an SDK: the host app registers its own providers and exporters.
 *
 * @example
 * createGateway({ upstream, openTelemetry: {} }); // after the host app's NodeSDK.start()
 */
export const openTelemetrySchema: z.ZodObject<typeof openTelemetryFields, z.core.$strict> =
  z.strictObject(openTelemetryFields);

export type OpenTelemetryOptions = z.input<typeof openTelemetrySchema>;
export type ResolvedOpenTelemetryOptions = z.output<typeof openTelemetrySchema>;
