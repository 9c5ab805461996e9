import type { Logger } from 'pino';
import type { z } from 'zod';
import { invalidOptions } from '../config/options-error.js';
import type { ResolvedAlertsOptions } from './alerts-options.js';
import type { AlertSink, AlertSinkError } from './sinks/alert-message.js';
import { createDingTalkSink, dingTalkSinkOptionsSchema } from './sinks/dingtalk-sink.js';
import { createFeishuSink, createLarkSink, feishuSinkOptionsSchema } from './sinks/feishu-sink.js';
import { createSlackSink, slackSinkOptionsSchema } from './sinks/slack-sink.js';
import { createWebhookSink, webhookSinkOptionsSchema } from './sinks/webhook-sink.js';
import { createWeComSink, weComSinkOptionsSchema } from './sinks/wecom-sink.js';

const factories: Record<string, { schema: z.ZodType; create: (options: never) => AlertSink }> = {
  dingtalk: { schema: dingTalkSinkOptionsSchema, create: createDingTalkSink },
  feishu: { schema: feishuSinkOptionsSchema, create: createFeishuSink },
  lark: { schema: feishuSinkOptionsSchema, create: createLarkSink },
  wecom: { schema: weComSinkOptionsSchema, create: createWeComSink },
  slack: { schema: slackSinkOptionsSchema, create: createSlackSink },
  webhook: { schema: webhookSinkOptionsSchema, create: createWebhookSink },
};

/**
 * Builds `alerts.sinks`: config entries become Ferry's sinks (each checked against its sink's
 * schema, errors named `alerts.sinks.<n>.<field>`), objects are used as they are. A sink
 * without its own `onError` reports failed sends as a log warning; sink errors never carry a
 * secret (the sinks strip them), so the log line is safe.
 *
 * @example
 * const sinks = createAlertSinks(options.alerts.sinks, logger);
 */
export function createAlertSinks(entries: ResolvedAlertsOptions['sinks'], logger: Logger): AlertSink[] {
  // Each sink strips its own secrets; a platform may echo anything, so the log strips all of them.
  const secrets = entries.flatMap(secretsOf).sort((a, b) => b.length - a.length);
  const onError = (error: AlertSinkError) => {
    let message = error.message;
    for (const secret of secrets) message = message.split(secret).join('[redacted]');
    logger.warn({ alertSink: { ...error, message } }, 'alert not delivered');
  };
  const problems: Array<[string, string]> = [];
  const prepared: Array<() => AlertSink> = [];
  entries.forEach((entry, index) => {
    if (!('type' in entry)) {
      prepared.push(() => entry as unknown as AlertSink);
      return;
    }
    const { type, ...rest } = entry as { type: string } & Record<string, unknown>;
    const factory = factories[type] as (typeof factories)[string];
    const withHandler = { onError, ...rest };
    const parsed = factory.schema.safeParse(withHandler);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push([['alerts', 'sinks', index, ...issue.path].join('.'), issue.message]);
      return;
    }
    prepared.push(() => factory.create(withHandler as never));
  });
  if (problems.length > 0) throw invalidOptions(problems);
  return prepared.map((create) => create());
}

/** The credentials a sink entry holds: secrets, tokens, keys, and every part of its URL past the host. */
function secretsOf(entry: ResolvedAlertsOptions['sinks'][number]): string[] {
  if (!('type' in entry)) return [];
  const found: string[] = [];
  const options = entry as Record<string, unknown>;
  for (const field of ['secret', 'accessToken', 'key', 'hookId']) {
    const value = options[field];
    if (typeof value === 'string' && value.length >= 4) found.push(value, encodeURIComponent(value));
  }
  const signing = options.signing as { secret?: unknown } | undefined;
  if (typeof signing?.secret === 'string') found.push(signing.secret);
  if (typeof options.url === 'string' && URL.canParse(options.url)) {
    const url = new URL(options.url);
    for (const value of url.searchParams.values()) if (value.length >= 4) found.push(value);
    for (const segment of url.pathname.split('/')) if (segment.length >= 12) found.push(segment);
  }
  return found;
}
