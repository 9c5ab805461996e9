import { z } from 'zod';
import type { AlertSink } from './alert-message.js';
import { composeMessage } from './compose-message.js';
import { interpretCodeAnswer, numberOf, stringOf } from './platform-answer.js';
import { createQueuedSink } from './queued-sink.js';
import { checkWebhookUrl, commonSinkFields, commonSinkSettings, parseSinkOptions } from './sink-options.js';
import { utf8Length } from './utf8-truncate.js';

/** WeCom's limits on `content`, in UTF-8 bytes, per message type. */
export const weComContentLimits = { text: 2_048, markdown: 4_096 } as const;

/**
 * `createWeComSink` options: a WeCom (企业微信) group robot (群机器人). It has no signature:
 * the `key` in its webhook URL is the credential, so treat the URL as a secret.
 */
export const weComSinkOptionsSchema = z
  .strictObject({
    ...commonSinkFields,
    /** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`. */
    url: z.string().optional(),
    /** The robot's key (instead of `url`). */
    key: z.string().min(1).optional(),
    /** markdown: content up to 4096 bytes (default); text: up to 2048 bytes. */
    format: z.enum(['markdown', 'text']).default('markdown'),
    /** WeCom allows 20 a minute per robot; share it across instances. */
    messagesPerMinute: z.number().int().min(1).max(20).default(20),
  })
  .superRefine((options, context) => {
    if ((options.url === undefined) === (options.key === undefined)) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and key' });
    }
    checkWebhookUrl(options.url, options.allowPrivateAddress, context, 'url');
    if (
      options.url !== undefined &&
      URL.canParse(options.url) &&
      !new URL(options.url).searchParams.get('key')
    ) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'must carry the key query parameter' });
    }
  });

export type WeComSinkOptions = z.input<typeof weComSinkOptionsSchema>;

// 45009: "api freq out of limit".
const rateLimited = new Map([[45009, 60_000]]);

/**
 * An alert sink posting to a WeCom group robot, as markdown (≤ 4096 bytes) or text (≤ 2048
 * bytes), cut by UTF-8 bytes at a character boundary, at most 20 a minute; alerts beyond that
 * are folded into one digest.
 *
 * @example
 * const sink = createWeComSink({ key: process.env.WECOM_ROBOT_KEY });
 */
export function createWeComSink(input: WeComSinkOptions): AlertSink {
  const options = parseSinkOptions('wecom', weComSinkOptionsSchema, input);
  const url = new URL(
    options.url ??
      `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${encodeURIComponent(options.key ?? '')}`,
  );
  const limit = weComContentLimits[options.format];
  const common = commonSinkSettings(options, options.name ?? 'wecom');
  return createQueuedSink({
    ...common,
    origin: url.origin,
    limits: [{ count: options.messagesPerMinute, windowMs: 60_000 }],
    secrets: [url.searchParams.get('key') ?? '', url.href],
    adapter: {
      prepare(alerts) {
        const message = composeMessage(
          alerts,
          {
            style: options.format === 'markdown' ? 'markdown' : 'plain',
            withTitle: true,
            maxTitleBytes: 200,
          },
          (content) => utf8Length(content) <= limit,
        );
        const body =
          options.format === 'markdown'
            ? { msgtype: 'markdown', markdown: { content: message.content } }
            : { msgtype: 'text', text: { content: message.content } };
        return { url, body: JSON.stringify(body), count: message.count };
      },
      interpret: (answer) =>
        interpretCodeAnswer(answer, {
          codeOf: (body) => numberOf(body.errcode),
          messageOf: (body) => stringOf(body.errmsg),
          rateLimited,
        }),
    },
  });
}
