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

/** The gateway's logger: the one passed in, one built from pino options, or a silent one. */
export function createLogger(option: ResolvedOptions['logger']): Logger {
  if (option === false) return pino({ enabled: false });
  if (option === undefined) return pino({ name: 'ferry', redact });
  if ('child' in option && typeof option.child === 'function') return option as Logger;
  return pino({ name: 'ferry', redact, ...option });
}
