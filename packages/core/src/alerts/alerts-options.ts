import { z } from 'zod';
import { milliseconds, positiveInteger } from '../config/schema-helpers.js';

/** The sink platforms `alerts.sinks[].type` names (each takes that sink's own options). */
export const alertSinkTypes = ['dingtalk', 'feishu', 'lark', 'wecom', 'slack', 'webhook'] as const;

/**
 * One sink: `{ type: 'dingtalk', accessToken, secret, ... }` with the options of that sink
 * (docs/operations.md), checked against the sink's own schema when the gateway is built; or
 * an `AlertSink` object of the host app's own (anything with `notify`, `drain` and `close`).
 */
const sinkEntry = z.union([
  z.custom<{ name: string; notify: (...args: never[]) => void; close: () => Promise<void> }>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { notify?: unknown }).notify === 'function' &&
      typeof (value as { close?: unknown }).close === 'function',
    { message: 'must be an alert sink' },
  ),
  z.looseObject({ type: z.enum(alertSinkTypes) }),
]);

const ratio = z.number().min(0).max(1);
/** A condition is on with its defaults (`{}` or left out), tuned, or `false` (off). */
const condition = <Shape extends z.ZodRawShape>(shape: Shape) =>
  // Generic shapes defeat zod's inference of `{}` as valid input; every field has a default.
  z.union([z.literal(false), z.strictObject(shape)]).prefault({} as never);

/** The window every rate condition reads, and the fewest events that make a rate meaningful. */
const rateFields = {
  windowMs: milliseconds.min(1_000).default(60_000),
  minEvents: positiveInteger.default(20),
};

const alertConditionsFields = {
  /** A circuit opened (critical) and, when it closes, resolved. */
  breaker: condition({}),
  /** An upstream's attempts that failed (5xx, or no answer) over the window. */
  errorRate: condition({ ...rateFields, threshold: ratio.default(0.2) }),
  /** P99 of whole requests over the SLO (the mission's 800 ms): more than 1 % of requests slower. */
  latency: condition({ ...rateFields, p99Ms: milliseconds.default(800) }),
  /** P99 of the time to the upstream's response headers (first byte) over the SLO. */
  firstByte: condition({ ...rateFields, p99Ms: milliseconds.default(800) }),
  /** Requests served by a later upstream of the fallback chain or by the degraded answer. */
  fallback: condition({ windowMs: milliseconds.min(1_000).default(60_000) }),
  /** A key's or tenant's spend passed its soft (warning) or hard (critical) budget. */
  budget: condition({
    /** The incident ends when no request met the budget for this long (budgets last a day or a month). */
    quietMs: milliseconds.min(1_000).default(900_000),
    /** Budget incidents tracked at once (tenants come from a header: a hostile client could invent many). */
    maxSubjects: positiveInteger.max(10_000).default(100),
  }),
  /** The upstream's quota nearly used: pacing's queue this deep, or `x-ratelimit-remaining` this low. */
  quota: condition({
    queueDepth: positiveInteger.default(50),
    /** `remaining / limit` at or below this. */
    remainingRatio: ratio.default(0.1),
    windowMs: milliseconds.min(1_000).default(60_000),
  }),
  /** A store (Redis: limits, nonces, spend) failing calls; resolved when it answers again. */
  store: condition({}),
  /** A key or deployment of an upstream's pool answered 429 and was cooled down. */
  keyCooling: condition({ windowMs: milliseconds.min(1_000).default(60_000) }),
  /** The content filter stopped this share of answers. */
  contentFilter: condition({ ...rateFields, threshold: ratio.default(0.05) }),
};

const alertsFields = {
  /** Where alerts go; every alert goes to every sink. */
  sinks: z.array(sinkEntry).min(1),
  /** How often conditions are evaluated (events are only counted as they happen). */
  evaluateIntervalMs: milliseconds.min(100).default(5_000),
  /** An incident still going on is sent again this often. */
  reminderIntervalMs: milliseconds.min(1_000).default(1_800_000),
  /**
   * A condition must stay clear this long before its incident is resolved: a breaker that
   * flaps open and closed is one incident, not a message per flap.
   */
  resolveAfterMs: milliseconds.default(60_000),
  /** Shown in every alert (`instance: sg-1`); defaults to the host name and process id. */
  instance: z.string().min(1).max(128).optional(),
  conditions: z.strictObject(alertConditionsFields).prefault({}),
};

/**
 * `alerts`: incidents from the gateway's own events, sent to chat robots and webhooks (off when
 * left out). With `redis`, instances share incidents: each notification is sent by one of them.
 *
 * @example
 * createGateway({ upstream, alerts: { sinks: [{ type: 'dingtalk', accessToken, secret }] } });
 */
export const alertsOptionsSchema: z.ZodObject<typeof alertsFields, z.core.$strict> =
  z.strictObject(alertsFields);

export type AlertsOptions = z.input<typeof alertsOptionsSchema>;
export type ResolvedAlertsOptions = z.output<typeof alertsOptionsSchema>;
export type ResolvedAlertConditions = ResolvedAlertsOptions['conditions'];
