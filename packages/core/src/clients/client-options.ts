import { z } from 'zod';
import { positiveInteger } from '../config/schema-helpers.js';

/** Limits attached to a client; the admission stages read them from `context.client.limits`. */
const clientLimitsFields = {
  requestsPerMinute: positiveInteger.optional(),
  tokensPerMinute: positiveInteger.optional(),
  concurrentRequests: positiveInteger.optional(),
  /** Largest `max_tokens` this client may ask for. */
  maxTokensPerRequest: positiveInteger.optional(),
};
export const clientLimitsSchema: z.ZodObject<typeof clientLimitsFields, z.core.$strict> =
  z.strictObject(clientLimitsFields);

/** A client (virtual) key holder: a service calling the gateway. */
const clientFields = {
  /** Stable, non-secret name shown in logs and metrics (`coze-plugin`). */
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -'),
  tenant: z.string().min(1).optional(),
  /**
   * The client's keys, each either the key itself or its digest `sha256:<64 hex digits>`
   * (`printf %s "$KEY" | sha256sum`), so a config file need not hold the keys.
   */
  keys: z
    .array(
      z
        .string()
        .min(1)
        .refine((key) => !key.startsWith('sha256:') || /^sha256:[0-9a-fA-F]{64}$/.test(key), {
          message: 'a digest must be "sha256:" and 64 hex digits',
        }),
    )
    .default([]),
  /** Models this client may use (`*` at the end matches a prefix: `gpt-4o*`). All when left out. */
  allowedModels: z.array(z.string().min(1)).optional(),
  limits: clientLimitsSchema.default({}),
};
export const clientSchema: z.ZodObject<typeof clientFields, z.core.$strict> = z.strictObject(clientFields);

export type ClientOptions = z.input<typeof clientSchema>;
export type ResolvedClientOptions = z.output<typeof clientSchema>;
export type ClientLimits = z.output<typeof clientLimitsSchema>;
