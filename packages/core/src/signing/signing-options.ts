import { z } from 'zod';

const keyId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -');

const signingKeyFields = {
  /** Sent by the caller in `x-ferry-key-id`; not secret (logs and metrics show it). */
  keyId,
  /**
   * The active secrets (several while rotating: add the new one, move callers, drop the old).
   * At least 32 characters each, e.g. `openssl rand -hex 32`; use `${ENV}` in a config file.
   */
  secrets: z.array(z.string().min(32, 'must be at least 32 characters')).min(1),
  /** The `clients[].id` whose tenant, models and limits apply; defaults to a client named `keyId`. */
  client: z.string().min(1).optional(),
};
const signingKeySchema: z.ZodObject<typeof signingKeyFields, z.core.$strict> =
  z.strictObject(signingKeyFields);

/** Options of request signing (HMAC-SHA256, docs/security.md). */
const signingOptionsFields = {
  keys: z.array(signingKeySchema).min(1),
  /**
   * When true (default) every request must be signed. When false, unsigned requests fall
   * through to client keys, and only signed ones are checked.
   */
  required: z.boolean().default(true),
  /** Largest difference between the caller's timestamp and the gateway's clock, either way. */
  maxSkewSeconds: z.number().int().positive().max(86_400).default(300),
  /**
   * When the nonce store (Redis) fails: `reject` answers 503 (fail closed, the default), `accept`
   * lets the request through without replay protection and logs a warning.
   */
  onNonceStoreFailure: z.enum(['reject', 'accept']).default('reject'),
};
export const signingOptionsSchema: z.ZodObject<typeof signingOptionsFields, z.core.$strict> =
  z.strictObject(signingOptionsFields);

export type SigningOptions = z.input<typeof signingOptionsSchema>;
export type ResolvedSigningOptions = z.output<typeof signingOptionsSchema>;
