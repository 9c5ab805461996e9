import { z } from 'zod';
import { signRequest } from '../../signing/sign-request.js';
import type { AlertMessage, AlertSink } from './alert-message.js';
import { retryAfterMs } from './platform-answer.js';
import { createQueuedSink, type SendOutcome } from './queued-sink.js';
import type { SinkAnswer } from './sink-http.js';
import { checkWebhookUrl, commonSinkFields, commonSinkSettings, parseSinkOptions } from './sink-options.js';
import { truncateUtf8, utf8Length } from './utf8-truncate.js';

/**
 * `createWebhookSink` options: any HTTPS endpoint that takes Ferry's alert JSON, signed with
 * Ferry's request-signing scheme (docs/security.md) so the receiver can check it with
 * `verifySignature` and the same key id and secret.
 */
export const webhookSinkOptionsSchema = z
  .strictObject({
    ...commonSinkFields,
    url: z.string(),
    /** Signs every request (`x-ferry-key-id`, `-timestamp`, `-nonce`, `-signature`). */
    signing: z
      .strictObject({
        keyId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 of A-Z a-z 0-9 . _ : -'),
        secret: z.string().min(16),
      })
      .optional(),
    /** The receiver's limit: at most `count` messages in any `windowMs`. */
    rateLimit: z
      .strictObject({
        count: z.number().int().positive().max(10_000),
        windowMs: z.number().int().positive().max(3_600_000),
      })
      .default({ count: 60, windowMs: 60_000 }),
    maxBodyBytes: z
      .number()
      .int()
      .min(1_024)
      .max(10 * 1024 * 1024)
      .default(256 * 1024),
  })
  .superRefine((options, context) =>
    checkWebhookUrl(options.url, options.allowPrivateAddress, context, 'url'),
  );

export type WebhookSinkOptions = z.input<typeof webhookSinkOptionsSchema>;

/** The JSON a webhook sink posts: one alert, or a digest of several (oldest first). */
export interface WebhookAlertBody {
  type: 'alert' | 'digest';
  alerts: Array<Omit<AlertMessage, 'at'> & { at: string }>;
}

/**
 * An alert sink posting JSON (`{ type: 'alert' | 'digest', alerts: [...] }`, times as ISO
 * strings) to any endpoint, signed with Ferry's own HMAC scheme; any 2xx is a delivery.
 *
 * @example
 * const sink = createWebhookSink({
 *   url: 'https://ops.example.com/hooks/ferry',
 *   signing: { keyId: 'ferry-alerts', secret: process.env.ALERT_WEBHOOK_SECRET },
 * });
 */
export function createWebhookSink(input: WebhookSinkOptions): AlertSink {
  const options = parseSinkOptions('webhook', webhookSinkOptionsSchema, input);
  const url = new URL(options.url);
  const common = commonSinkSettings(options, options.name ?? 'webhook');
  const fits = (body: string) => utf8Length(body) <= options.maxBodyBytes;
  return createQueuedSink({
    ...common,
    origin: url.origin,
    limits: [options.rateLimit],
    // A receiver's URL often carries its own token, in the path or the query.
    secrets: [options.signing?.secret ?? '', url.pathname + url.search, url.search, url.href],
    adapter: {
      prepare(alerts) {
        const body = foldToFit(alerts, fits);
        const headers =
          options.signing === undefined
            ? {}
            : signRequest({ ...options.signing, method: 'POST', url: url.href, body: body.json });
        return { url, body: body.json, headers, count: body.count };
      },
      interpret: interpretWebhookAnswer,
    },
  });
}

/** As many whole alerts as fit; a lone alert that does not fit has its text cut. */
function foldToFit(alerts: readonly AlertMessage[], fits: (body: string) => boolean) {
  const serialise = (batch: readonly AlertMessage[]) =>
    JSON.stringify({
      type: batch.length === 1 ? 'alert' : 'digest',
      alerts: batch.map((alert) => ({ ...alert, at: alert.at.toISOString() })),
    } satisfies WebhookAlertBody);
  let count = 1;
  let json = serialise(alerts.slice(0, 1));
  while (count < alerts.length) {
    const next = serialise(alerts.slice(0, count + 1));
    if (!fits(next)) break;
    json = next;
    count++;
  }
  const first = alerts[0] as AlertMessage;
  if (count === 1 && !fits(json)) {
    // Halve the text until it fits: the body's structure and the incident id always survive.
    let bytes = utf8Length(first.text);
    do {
      bytes = Math.floor(bytes / 2);
      json = serialise([{ ...first, text: truncateUtf8(first.text, bytes) }]);
    } while (bytes > 0 && !fits(json));
  }
  return { json, count };
}

function interpretWebhookAnswer(answer: SinkAnswer): SendOutcome {
  if (answer.status >= 200 && answer.status < 300) return { ok: true };
  const reason = `HTTP ${answer.status}`;
  if (answer.status === 429) {
    return {
      ok: false,
      kind: 'rate_limited',
      reason,
      status: 429,
      retryable: true,
      pauseMs: retryAfterMs(answer) ?? 60_000,
    };
  }
  return { ok: false, kind: 'rejected', reason, status: answer.status, retryable: answer.status >= 500 };
}
