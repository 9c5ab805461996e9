import type { BodyTransform } from '../types.js';
import { encodeSseEvent, readSseEvents, type SseEvent } from './sse-message.js';

/**
 * Turns one stream format into another, one parsed event at a time, holding only the state it
 * needs (open blocks, indexes), never the stream: it can run as a response tap.
 */
export interface StreamConverter {
  /** The events to emit for one upstream event (often none, sometimes several). */
  push(event: SseEvent): SseEvent[];
  /**
   * The events to emit when the upstream stream ended. A stream that did not end as complete
   * gets a final error event here, and `failed` becomes true: the caller must then abort the
   * connection instead of ending it cleanly.
   */
  end(): SseEvent[];
  /** True once the converter emitted an error event (upstream error or cut stream). */
  readonly failed: boolean;
}

/** Builds one answer object from a stream, one parsed event at a time. */
export interface StreamAggregator<T> {
  push(event: SseEvent): void;
  /** The answer; throws `IncompleteStreamError` when the stream did not end as complete. */
  finish(): T;
}

const encoder = new TextEncoder();

/**
 * A body transform running `converter` over a byte stream: bytes are split into events with
 * `readSseEvents`, converted and encoded again. Meant for tests and for the lead's wiring.
 *
 * @example
 * context.transforms.push(convertEventStream(() => new AnthropicStreamToOpenAI({ includeUsage: true })));
 */
export function convertEventStream(create: () => StreamConverter): BodyTransform {
  return async function* converted(source) {
    const converter = create();
    for await (const event of readSseEvents(source)) {
      const out = converter.push(event);
      if (out.length > 0) yield encoder.encode(out.map(encodeSseEvent).join(''));
    }
    const last = converter.end();
    if (last.length > 0) yield encoder.encode(last.map(encodeSseEvent).join(''));
  };
}

/**
 * Reads a whole byte stream into `aggregator` and returns its answer (or throws its
 * `IncompleteStreamError`).
 *
 * @example
 * const completion = await aggregateEventStream(body, new ChatStreamAggregator());
 */
export async function aggregateEventStream<T>(
  source: AsyncIterable<Uint8Array>,
  aggregator: StreamAggregator<T>,
): Promise<T> {
  for await (const event of readSseEvents(source)) aggregator.push(event);
  return aggregator.finish();
}
