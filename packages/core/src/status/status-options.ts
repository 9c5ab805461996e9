import { z } from 'zod';
import { milliseconds } from '../config/schema-helpers.js';

const statusPageFields = {
  /**
   * Required as `Authorization: Bearer <adminKey>`, `x-api-key`, or as the password of HTTP
   * Basic auth (what a browser sends; any user name); defaults to `metrics.adminKey`, then
   * `usageEndpoint.adminKey`. The page shows spend per tenant, so one of them must be set.
   */
  adminKey: z.string().min(16).optional(),
  /** How far back the charts reach. */
  windowMs: milliseconds.min(10_000).max(3_600_000).default(300_000),
  /** The width of one chart point (and of the figures' "now": the last complete slot). */
  slotMs: milliseconds.min(500).max(60_000).default(5_000),
  /** How often the page fetches `status.json` again. */
  refreshMs: milliseconds.min(500).max(60_000).default(2_000),
  /** Tenants listed in today's spend; later ones are summed as `(other)`. */
  maxTenants: z.number().int().positive().max(10_000).default(200),
};

/**
 * `statusPage`: a live status page at `GET /v1/ferry/status` (HTML, self-contained) and its
 * JSON twin at `GET /v1/ferry/status.json`, behind the admin key. Off when left out.
 *
 * @example
 * createGateway({ upstream, usageEndpoint: { adminKey }, statusPage: {} });
 */
export const statusPageSchema: z.ZodObject<typeof statusPageFields, z.core.$strict> =
  z.strictObject(statusPageFields);

export type StatusPageOptions = z.input<typeof statusPageSchema>;
export type ResolvedStatusPageOptions = z.output<typeof statusPageSchema>;
