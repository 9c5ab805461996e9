import type { IncomingHttpHeaders } from 'node:http';
import type { ResolvedOptions } from './options.js';

/**
 * The knobs that shape one response: the server options, overridden by `x-mock-*` headers.
 *
 * @example
 * const settings: RequestSettings = { latencyMs: 0, chunks: 5, chunkIntervalMs: 0, content: 'Hi' };
 */
export interface RequestSettings {
  latencyMs: number;
  chunks: number;
  chunkIntervalMs: number;
  content: string;
  /** `x-mock-anthropic` for `/v1/messages`: `cache-read=N,cache-write=N,input-in-delta,stop=<reason>`. */
  anthropicKnobs?: string | undefined;
}

/** A knob header that could not be read; the mock answers 400 with this message. */
export class InvalidKnobError extends Error {
  override readonly name = 'InvalidKnobError';
}

/**
 * Applies the `x-mock-latency-ms`, `x-mock-chunks`, `x-mock-chunk-interval-ms` and
 * `x-mock-content` (URI-encoded) and `x-mock-anthropic` headers over the server options. Returns the options object
 * itself when no knob header is present, so the common case allocates nothing.
 * Throws `InvalidKnobError` on a bad value.
 *
 * @example
 * readRequestSettings({ 'x-mock-chunks': '2' }, options).chunks; // 2
 */
export function readRequestSettings(headers: IncomingHttpHeaders, options: ResolvedOptions): RequestSettings {
  const latency = headers['x-mock-latency-ms'];
  const chunks = headers['x-mock-chunks'];
  const interval = headers['x-mock-chunk-interval-ms'];
  const content = headers['x-mock-content'];
  const anthropicKnobs = headers['x-mock-anthropic'];
  if (
    latency === undefined &&
    chunks === undefined &&
    interval === undefined &&
    content === undefined &&
    anthropicKnobs === undefined
  ) {
    return options;
  }
  return {
    latencyMs: latency === undefined ? options.latencyMs : readInteger(latency, 'x-mock-latency-ms', 0),
    chunks: chunks === undefined ? options.chunks : readInteger(chunks, 'x-mock-chunks', 1),
    chunkIntervalMs:
      interval === undefined ? options.chunkIntervalMs : readInteger(interval, 'x-mock-chunk-interval-ms', 0),
    content: content === undefined ? options.content : readContent(content),
    anthropicKnobs: Array.isArray(anthropicKnobs) ? anthropicKnobs.join(',') : anthropicKnobs,
  };
}

function readInteger(value: string | string[], name: string, minimum: number): number {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!/^\d{1,9}$/.test(text) || Number(text) < minimum) {
    throw new InvalidKnobError(`header '${name}' must be a whole number >= ${minimum}, got '${text}'`);
  }
  return Number(text);
}

function readContent(value: string | string[]): string {
  const text = Array.isArray(value) ? value.join(',') : value;
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidKnobError("header 'x-mock-content' must be URI-encoded (encodeURIComponent)");
  }
}
