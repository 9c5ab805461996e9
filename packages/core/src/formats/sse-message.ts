import { readDataEvent } from '../filter/sse-event.js';
import { eventStreamEvents } from '../streaming/event-stream.js';

/** One parsed server-sent event: its `event:` name, if any, and its `data:` payload. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
}

/**
 * Parses one complete event as `eventStreamEvents` yields it. Comment-only events (`: ping`)
 * and events without exactly one data line give `undefined`: no upstream we convert sends
 * multi-line payloads.
 *
 * @example
 * readSseEvent(Buffer.from('event: ping\ndata: {"type":"ping"}\n\n')); // { event: 'ping', data: '{"type":"ping"}' }
 */
export function readSseEvent(bytes: Uint8Array): SseEvent | undefined {
  const parsed = readDataEvent(bytes);
  if (parsed === undefined) return undefined;
  const named = parsed.lines.find((line) => line.startsWith('event:'));
  return named === undefined
    ? { data: parsed.payload }
    : { event: named.slice(6).trim(), data: parsed.payload };
}

/**
 * The parsed events of a byte stream, however its chunks are cut (inside UTF-8 characters,
 * between CR and LF): the splitting is `eventStreamEvents`'.
 *
 * @example
 * for await (const event of readSseEvents(response.body)) aggregator.push(event);
 */
export async function* readSseEvents(source: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  for await (const bytes of eventStreamEvents(source)) {
    const event = readSseEvent(bytes);
    if (event !== undefined) yield event;
  }
}

/**
 * The event as SSE text, ending with its blank line.
 *
 * @example
 * encodeSseEvent({ data: '[DONE]' }); // 'data: [DONE]\n\n'
 */
export function encodeSseEvent(event: SseEvent): string {
  return event.event === undefined
    ? `data: ${event.data}\n\n`
    : `event: ${event.event}\ndata: ${event.data}\n\n`;
}

/** Several events as one SSE text. */
export function encodeSseEvents(events: readonly SseEvent[]): string {
  let text = '';
  for (const event of events) text += encodeSseEvent(event);
  return text;
}

/**
 * Parses a whole SSE text (a fixture, a buffered body) into events, with the same splitting
 * as a live stream.
 *
 * @example
 * await parseSseText('data: [DONE]\n\n'); // [{ data: '[DONE]' }]
 */
export async function parseSseText(text: string | Uint8Array): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSseEvents(once(typeof text === 'string' ? Buffer.from(text) : text))) {
    events.push(event);
  }
  return events;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
