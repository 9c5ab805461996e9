import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { AlertMessage, AlertSink } from './alert-message.js';
import { composeMessage } from './compose-message.js';
import { interpretCodeAnswer, numberOf, stringOf } from './platform-answer.js';
import { createQueuedSink } from './queued-sink.js';
import { checkWebhookUrl, commonSinkFields, commonSinkSettings, parseSinkOptions } from './sink-options.js';
import { utf8Length } from './utf8-truncate.js';

/** Feishu (China) and Lark (international) are separate services on separate hosts. */
export const feishuHosts = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
} as const;

/**
 * `createFeishuSink` options: a Feishu or Lark custom bot (自定义机器人), by its webhook URL or
 * by its hook id and region, with the signature secret (签名校验) when the bot has it on.
 */
export const feishuSinkOptionsSchema = z
  .strictObject({
    ...commonSinkFields,
    /** `https://open.feishu.cn/open-apis/bot/v2/hook/<id>` (or the larksuite.com one). */
    url: z.string().optional(),
    /** The `<id>` of the webhook (instead of `url`), on the `region`'s host. */
    hookId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,128}$/, 'must be the id at the end of the webhook URL')
      .optional(),
    region: z.enum(['feishu', 'lark']).default('feishu'),
    /** The 签名校验 secret; when set, every body carries `timestamp` and `sign`. */
    secret: z.string().min(1).optional(),
    /** An interactive card with a coloured header (default), or plain text. */
    format: z.enum(['card', 'text']).default('card'),
    /** Feishu allows 100 a minute and 5 a second per bot; share it across instances. */
    messagesPerMinute: z.number().int().min(1).max(100).default(100),
    /** Feishu refuses bodies over 20 KB. */
    maxBodyBytes: z.number().int().min(1_024).max(20_000).default(20_000),
  })
  .superRefine((options, context) => {
    if ((options.url === undefined) === (options.hookId === undefined)) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and hookId' });
    }
    checkWebhookUrl(options.url, options.allowPrivateAddress, context, 'url');
  });

export type FeishuSinkOptions = z.input<typeof feishuSinkOptionsSchema>;

/**
 * Feishu's 签名校验 (and Lark's): HMAC-SHA256 whose KEY is `timestamp + "\n" + secret`
 * (timestamp in seconds) over an EMPTY message, base64, not URL-encoded. It is the reverse of
 * DingTalk's arrangement, and the two are not interchangeable.
 *
 * @example
 * const timestamp = Math.floor(Date.now() / 1000);
 * const body = { timestamp: String(timestamp), sign: signFeishu(secret, timestamp), msg_type: 'text', content: { text } };
 */
export function signFeishu(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

// 11232: "frequency limited" (100/min, 5/s per bot).
const rateLimited = new Map([[11232, 60_000]]);
const headerColour = { critical: 'red', warning: 'orange', info: 'blue' } as const;

/**
 * An alert sink posting to a Feishu or Lark group bot: an interactive card (header coloured
 * by severity, green when resolved) or text, signed when a secret is set, within 100 a minute
 * and 5 a second; alerts beyond that are folded into one digest card.
 *
 * @example
 * const sink = createFeishuSink({ hookId: process.env.FEISHU_HOOK_ID, secret: process.env.FEISHU_SECRET });
 * const lark = createFeishuSink({ region: 'lark', hookId: process.env.LARK_HOOK_ID, secret: process.env.LARK_SECRET });
 */
export function createFeishuSink(input: FeishuSinkOptions): AlertSink {
  const options = parseSinkOptions('feishu', feishuSinkOptionsSchema, input);
  const url = new URL(
    options.url ?? `${feishuHosts[options.region]}/open-apis/bot/v2/hook/${options.hookId}`,
  );
  const envelope = (alerts: readonly AlertMessage[], title: string, content: string) => {
    const message =
      options.format === 'text'
        ? { msg_type: 'text', content: { text: content } }
        : {
            msg_type: 'interactive',
            card: {
              config: { wide_screen_mode: true },
              header: { template: colourOf(alerts), title: { tag: 'plain_text', content: title } },
              elements: [{ tag: 'markdown', content }],
            },
          };
    if (options.secret === undefined) return message;
    const timestamp = Math.floor(Date.now() / 1_000);
    return { timestamp: String(timestamp), sign: signFeishu(options.secret, timestamp), ...message };
  };
  const common = commonSinkSettings(options, options.name ?? options.region);
  return createQueuedSink({
    ...common,
    origin: url.origin,
    limits: [
      { count: options.messagesPerMinute, windowMs: 60_000 },
      { count: 5, windowMs: 1_000 },
    ],
    secrets: [options.secret ?? '', options.hookId ?? '', url.pathname, url.href],
    adapter: {
      prepare(alerts) {
        const message = composeMessage(
          alerts,
          {
            style: options.format === 'card' ? 'markdown' : 'plain',
            withTitle: options.format === 'text',
            maxTitleBytes: 200,
          },
          (content, title) =>
            // The colour of the carried alerts may be a few bytes longer than the queue's.
            utf8Length(JSON.stringify(envelope(alerts, title, content))) <= options.maxBodyBytes - 16,
        );
        const carried = alerts.slice(0, message.count);
        return {
          url,
          body: JSON.stringify(envelope(carried, message.title, message.content)),
          count: message.count,
        };
      },
      interpret: (answer) =>
        interpretCodeAnswer(answer, {
          // `code` is the current field; `StatusCode` the legacy one, still sent alongside.
          codeOf: (body) => numberOf(body.code) ?? numberOf(body.StatusCode),
          messageOf: (body) => stringOf(body.msg) ?? stringOf(body.StatusMessage),
          rateLimited,
        }),
    },
  });
}

/**
 * `createFeishuSink` with `region: 'lark'`: the bot lives on open.larksuite.com.
 *
 * @example
 * createLarkSink({ hookId: process.env.LARK_HOOK_ID, secret: process.env.LARK_SECRET });
 */
export function createLarkSink(input: Omit<FeishuSinkOptions, 'region'>): AlertSink {
  return createFeishuSink({ name: 'lark', ...input, region: 'lark' });
}

/** The card colour: the worst severity still firing; green when everything resolved. */
function colourOf(alerts: readonly AlertMessage[]): string {
  const firing = alerts.filter((alert) => alert.state !== 'resolved');
  if (firing.length === 0) return 'green';
  for (const severity of ['critical', 'warning'] as const) {
    if (firing.some((alert) => alert.severity === severity)) return headerColour[severity];
  }
  return headerColour.info;
}
