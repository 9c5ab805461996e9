import { z } from 'zod';
import type { AlertSink } from './alert-message.js';
import { composeMessage } from './compose-message.js';
import { retryAfterMs } from './platform-answer.js';
import { createQueuedSink, type SendOutcome } from './queued-sink.js';
import type { SinkAnswer } from './sink-http.js';
import { checkWebhookUrl, commonSinkFields, commonSinkSettings, parseSinkOptions } from './sink-options.js';
import { truncateUtf8, utf8Length } from './utf8-truncate.js';

/** `createSlackSink` options: a Slack incoming webhook (the whole URL is the credential). */
export const slackSinkOptionsSchema = z
  .strictObject({
    ...commonSinkFields,
    /** `https://hooks.slack.com/services/T.../B.../...`. */
    url: z.string(),
    /** Block Kit (header + mrkdwn section, default), or a plain `text` message. */
    format: z.enum(['blocks', 'text']).default('blocks'),
  })
  .superRefine((options, context) =>
    checkWebhookUrl(options.url, options.allowPrivateAddress, context, 'url'),
  );

export type SlackSinkOptions = z.input<typeof slackSinkOptionsSchema>;

// A section block's text takes 3000 characters and a header 150; counting bytes stays under both.
const sectionBytes = 3_000;
const headerBytes = 150;
const textBytes = 4_000;

/**
 * An alert sink posting to a Slack incoming webhook, as blocks or text, at most one message a
 * second (Slack's posting rate); alerts beyond that are folded into one digest. Slack answers
 * `ok` with 200, or an error name (`invalid_payload`, `channel_not_found`, ...) with a 4xx.
 *
 * @example
 * const sink = createSlackSink({ url: process.env.SLACK_WEBHOOK_URL });
 */
export function createSlackSink(input: SlackSinkOptions): AlertSink {
  const options = parseSinkOptions('slack', slackSinkOptionsSchema, input);
  const url = new URL(options.url);
  const common = commonSinkSettings(options, options.name ?? 'slack');
  return createQueuedSink({
    ...common,
    origin: url.origin,
    limits: [{ count: 1, windowMs: 1_000 }],
    secrets: [url.pathname, url.href],
    adapter: {
      prepare(alerts) {
        const blocks = options.format === 'blocks';
        const message = composeMessage(
          alerts,
          { style: 'mrkdwn', withTitle: !blocks, maxTitleBytes: headerBytes },
          (content) => utf8Length(content) <= (blocks ? sectionBytes : textBytes),
        );
        const body = blocks
          ? {
              text: message.title, // the notification's text
              blocks: [
                {
                  type: 'header',
                  text: { type: 'plain_text', text: truncateUtf8(message.title, headerBytes), emoji: true },
                },
                { type: 'section', text: { type: 'mrkdwn', text: message.content } },
              ],
            }
          : { text: message.content };
        return { url, body: JSON.stringify(body), count: message.count };
      },
      interpret: interpretSlackAnswer,
    },
  });
}

function interpretSlackAnswer(answer: SinkAnswer): SendOutcome {
  if (answer.status >= 200 && answer.status < 300) return { ok: true };
  const said = truncateUtf8(answer.body.trim(), 200);
  const reason = said === '' ? `HTTP ${answer.status}` : `HTTP ${answer.status}: ${said}`;
  if (answer.status === 429) {
    return {
      ok: false,
      kind: 'rate_limited',
      reason,
      status: 429,
      retryable: true,
      pauseMs: retryAfterMs(answer) ?? 1_000,
    };
  }
  return {
    ok: false,
    kind: 'rejected',
    reason,
    status: answer.status,
    // Slack answers an error name (`invalid_payload`); anything else is not a code.
    platformCode: /^[a-z_]{1,64}$/.test(said) ? said : undefined,
    retryable: answer.status >= 500,
  };
}
