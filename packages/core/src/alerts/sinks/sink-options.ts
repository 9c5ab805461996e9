import { isIP } from 'node:net';
import { z } from 'zod';
import { invalidOptions } from '../../config/options-error.js';
import { isPrivateAddress } from '../../upstream/egress/address-guard.js';
import type { AlertErrorHandler } from './alert-message.js';
import { createSinkTransport } from './sink-http.js';

/**
 * Options every sink takes. Secrets (tokens, keys, signing secrets) are plain strings here;
 * the JSON config takes them as `${ENV}` references like every other secret.
 */
export const commonSinkFields = {
  /** Shown in errors and logs; defaults to the platform's name. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 of A-Z a-z 0-9 . _ : -')
    .optional(),
  /** One deadline per send for connect, headers and body. */
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  /**
   * Allow the URL to resolve to a loopback or private address (a relay on the LAN, tests).
   * Off: such URLs are refused on every connection, and plain `http:` is refused too.
   */
  allowPrivateAddress: z.boolean().default(false),
  /** Sends per alert before it is given up (timeouts, 5xx and rate limits are retried). */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** Pause after a failed send before the next one (a platform's own pause request wins). */
  retryDelayMs: z.number().int().nonnegative().max(3_600_000).default(10_000),
  /** Alerts held while waiting; past this the oldest is dropped (and reported). */
  maxQueued: z.number().int().positive().max(1_000_000).default(10_000),
  /** Called for every failed send and every dropped alert; never with a secret in the message. */
  onError: z
    .custom<AlertErrorHandler>((value) => typeof value === 'function', { message: 'must be a function' })
    .optional(),
};

/**
 * Checks a webhook URL against the sink's `allowPrivateAddress`: `https:` only, and no literal
 * private address, unless allowed (names are checked at connect time, when they resolve).
 * The URL itself never appears in the message: it carries the credential.
 */
export function checkWebhookUrl(
  url: string | undefined,
  allowPrivateAddress: boolean,
  context: z.RefinementCtx,
  path: string,
): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    context.addIssue({ code: 'custom', path: [path], message: 'must be an absolute URL' });
    return;
  }
  if (parsed.protocol !== 'https:' && !(allowPrivateAddress && parsed.protocol === 'http:')) {
    context.addIssue({
      code: 'custom',
      path: [path],
      message: 'must be an https: URL (http: only with allowPrivateAddress)',
    });
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivateAddress && isIP(host) !== 0 && isPrivateAddress(host)) {
    context.addIssue({
      code: 'custom',
      path: [path],
      message: 'is a private or loopback address (set allowPrivateAddress to allow it)',
    });
  }
}

/**
 * Validates sink options once, at construction; the `GatewayOptionsError` names each bad
 * field (`dingtalk.secret: ...`) and never repeats a value (they include secrets).
 *
 * @example
 * const options = parseSinkOptions('dingtalk', dingTalkSinkOptionsSchema, input);
 */
export function parseSinkOptions<Schema extends z.ZodType>(
  platform: string,
  schema: Schema,
  options: unknown,
): z.output<Schema> {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  // Fields are named under the platform (`dingtalk.url`), in Ferry's one options-error wording.
  throw invalidOptions(
    result.error.issues.map((issue) => [[platform, ...issue.path].join('.'), issue.message] as const),
  );
}

const commonSchema = z.strictObject(commonSinkFields);
type CommonResolved = z.output<typeof commonSchema>;

/**
 * The parts of a queued sink that come straight from the common options: retry and queue
 * settings, the error handler and the guarded transport.
 */
export function commonSinkSettings(options: CommonResolved, name: string) {
  return {
    name,
    maxAttempts: options.maxAttempts,
    retryDelayMs: options.retryDelayMs,
    maxQueued: options.maxQueued,
    onError: options.onError,
    transport: createSinkTransport({
      name,
      allowPrivateAddress: options.allowPrivateAddress,
      timeoutMs: options.timeoutMs,
    }),
  };
}
