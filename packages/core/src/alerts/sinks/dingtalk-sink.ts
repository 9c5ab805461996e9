import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { AlertSink } from './alert-message.js';
import { composeMessage } from './compose-message.js';
import { interpretCodeAnswer, numberOf, stringOf } from './platform-answer.js';
import { createQueuedSink } from './queued-sink.js';
import { checkWebhookUrl, commonSinkFields, commonSinkSettings, parseSinkOptions } from './sink-options.js';
import { utf8Length } from './utf8-truncate.js';

/**
 * `createDingTalkSink` options: a DingTalk custom robot (自定义机器人), by its webhook URL or
 * its access token, with the 加签 secret (`SEC...`) when the robot has signing on.
 */
export const dingTalkSinkOptionsSchema = z
  .strictObject({
    ...commonSinkFields,
    /** `https://oapi.dingtalk.com/robot/send?access_token=...` as the robot settings show it. */
    url: z.string().optional(),
    /** The robot's access token (instead of `url`). */
    accessToken: z.string().min(1).optional(),
    /** The 加签 secret; when set, every send carries `timestamp` and `sign`. */
    secret: z.string().min(1).optional(),
    format: z.enum(['markdown', 'text']).default('markdown'),
    /** DingTalk allows 20 per minute per robot (more: a 10-minute ban); share it across instances. */
    messagesPerMinute: z.number().int().min(1).max(20).default(20),
    /** Largest request body sent. */
    maxBodyBytes: z.number().int().min(1_024).max(20_000).default(20_000),
  })
  .superRefine((options, context) => {
    if ((options.url === undefined) === (options.accessToken === undefined)) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and accessToken' });
    }
    checkWebhookUrl(options.url, options.allowPrivateAddress, context, 'url');
    if (options.url !== undefined && URL.canParse(options.url)) {
      if (!new URL(options.url).searchParams.get('access_token')) {
        context.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'must carry the access_token query parameter',
        });
      }
    }
  });

export type DingTalkSinkOptions = z.input<typeof dingTalkSinkOptionsSchema>;

/**
 * DingTalk's 加签: HMAC-SHA256 keyed with the secret over `timestamp + "\n" + secret`
 * (timestamp in milliseconds), base64. The caller URL-encodes it into the query string.
 *
 * @example
 * signDingTalk('SEC...', 1718000000000); // '+G1E6...' → &timestamp=1718000000000&sign=%2BG1E6...
 */
export function signDingTalk(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

// DingTalk's "send too fast": the robot is banned for 10 minutes.
const rateLimited = new Map([[130101, 600_000]]);

/**
 * An alert sink posting to a DingTalk group robot, as markdown (default) or text, signed
 * when a secret is set, at most `messagesPerMinute` messages a minute; alerts beyond that
 * are folded into one digest message.
 *
 * @example
 * const sink = createDingTalkSink({ accessToken: process.env.DINGTALK_TOKEN, secret: process.env.DINGTALK_SECRET });
 * sink.notify({ severity: 'critical', title: 'Circuit open: openai', text: '...', state: 'firing', incidentId: 'cb-1', at: new Date() });
 */
export function createDingTalkSink(input: DingTalkSinkOptions): AlertSink {
  const options = parseSinkOptions('dingtalk', dingTalkSinkOptionsSchema, input);
  const base = new URL(
    options.url ??
      `https://oapi.dingtalk.com/robot/send?access_token=${encodeURIComponent(options.accessToken ?? '')}`,
  );
  const envelope = (title: string, content: string) =>
    options.format === 'markdown'
      ? { msgtype: 'markdown', markdown: { title, text: content } }
      : { msgtype: 'text', text: { content } };
  const common = commonSinkSettings(options, options.name ?? 'dingtalk');
  return createQueuedSink({
    ...common,
    origin: base.origin,
    limits: [{ count: options.messagesPerMinute, windowMs: 60_000 }],
    secrets: [options.secret ?? '', base.searchParams.get('access_token') ?? '', base.href],
    adapter: {
      prepare(alerts) {
        const message = composeMessage(
          alerts,
          {
            style: options.format === 'markdown' ? 'markdown' : 'plain',
            withTitle: true,
            maxTitleBytes: 200,
          },
          (content, title) => utf8Length(JSON.stringify(envelope(title, content))) <= options.maxBodyBytes,
        );
        const url = new URL(base);
        if (options.secret !== undefined) {
          const timestamp = Date.now();
          url.searchParams.set('timestamp', String(timestamp));
          url.searchParams.set('sign', signDingTalk(options.secret, timestamp));
        }
        return { url, body: JSON.stringify(envelope(message.title, message.content)), count: message.count };
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
