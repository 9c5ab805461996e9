import { eventStreamEvents } from './event-stream.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const usageNull = /,"usage":null/g;

/**
 * When Ferry asked the upstream for `stream_options.include_usage` on the client's behalf,
 * the client must still receive what it asked for: this drops the extra usage-only chunk
 * (`"choices":[]`) and the `"usage":null` field the upstream adds to every other chunk.
 * Every other byte passes unchanged. The usage tap reads the upstream bytes before this runs.
 */
export async function* removeInjectedUsage(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const event of eventStreamEvents(source)) {
    const text = decoder.decode(event);
    if (text.includes('"choices":[]') && text.includes('"usage":{')) continue;
    yield text.includes('"usage":null') ? encoder.encode(text.replace(usageNull, '')) : event;
  }
}
