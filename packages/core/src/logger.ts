import { type Logger, pino } from 'pino';
import type { ResolvedOptions } from './options.js';

/**
 * Paths pino censors if they are ever logged. Ferry logs chosen fields, never headers or
 * options, so this is a second line of defence, not the first.
 */
const redact = {
  paths: [
    'authorization',
    'apiKey',
    '*.authorization',
    '*.apiKey',
    '*.headers.authorization',
    '*.headers["x-api-key"]',
    'headers.authorization',
    'headers["x-api-key"]',
  ],
  censor: '[redacted]',
};

/** How long a line may wait in the default logger's buffer before it is written. */
export const logFlushIntervalMs = 1_000;

/**
 * The gateway's logger: the one passed in, one built from pino options, or a silent one.
 *
 * The default one writes to stdout through a 4 KiB buffer (sonic-boom's `minLength`, written
 * asynchronously) instead of one `write(2)` per line: at a few thousand requests a second the
 * per-line write was the largest single cost of logging. The gateway flushes the buffer every
 * `logFlushIntervalMs` and on `close()`, and pino flushes it synchronously when the process
 * exits, so a line waits at most a second; only a process killed outright (SIGKILL, OOM) can
 * lose the last second of lines. Pass pino options (or a logger) to choose otherwise.
 */
export function createLogger(option: ResolvedOptions['logger']): Logger {
  if (option === false) return pino({ enabled: false });
  if (option === undefined) {
    return pino({ name: 'ferry', redact }, pino.destination({ dest: 1, minLength: 4_096, sync: false }));
  }
  if ('child' in option && typeof option.child === 'function') return option as Logger;
  return pino({ name: 'ferry', redact, ...option });
}

/**
 * The logger for the one line per request. That line is built only from the request record's
 * typed fields (never headers, bodies or options), so Ferry's own second-line redaction is
 * skipped for it: pino's wildcard redaction cost about 70 % of the line's time. A logger the
 * host app passed in, or pino options with a `redact` of their own, are used unchanged.
 */
export function requestLineLogger(logger: Logger, option: ResolvedOptions['logger']): Logger {
  const ours = option === undefined || (option !== false && !('child' in option) && !('redact' in option));
  return ours ? logger.child({}, { redact: { paths: [], censor: redact.censor } }) : logger;
}
