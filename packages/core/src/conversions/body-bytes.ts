import { GatewayError } from '../errors.js';
import { encodeSseEvents, readSseEvents } from '../formats/sse-message.js';
import type { StreamConverter } from '../formats/stream-converter.js';
import type { ResponseBody } from '../types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A whole body as bytes: the answer of a JSON response that a conversion must see entire.
 * Only JSON answers are read this way; streams are converted event by event.
 *
 * @internal
 */
export async function readAll(body: ResponseBody | undefined): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

/** @internal Parses a JSON body; undefined when it is not JSON. */
export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

/** @internal */
export const jsonBytes = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/**
 * Runs a stream converter over a live body, inside the pipeline (before the relay): the relay's
 * taps then read the converted stream. A failure is thrown rather than emitted as the
 * converter's own error event, so the relay writes its one error event and the connection is
 * aborted (a converted stream never ends cleanly without its end marker).
 *
 * @internal
 */
export async function* convertUpstreamStream(
  source: AsyncIterable<Uint8Array>,
  converter: StreamConverter,
  upstreamName: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const event of readSseEvents(source)) {
    const out = converter.push(event);
    if (converter.failed) throw streamFailure('error', upstreamName);
    if (out.length > 0) yield encoder.encode(encodeSseEvents(out));
  }
  const last = converter.end();
  if (converter.failed) throw streamFailure('cut', upstreamName);
  if (last.length > 0) yield encoder.encode(encodeSseEvents(last));
}

/**
 * Runs a stream converter over the relayed body, after the taps (a response transform): the
 * client gets the converter's own error event in its format, and then the stream throws so the
 * bridge aborts the connection.
 *
 * @internal
 */
export async function* convertClientStream(
  source: AsyncIterable<Uint8Array>,
  converter: StreamConverter,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const event of readSseEvents(source)) {
    const out = converter.push(event);
    if (out.length > 0) yield encoder.encode(encodeSseEvents(out));
  }
  const last = converter.end();
  if (last.length > 0) yield encoder.encode(encodeSseEvents(last));
  if (converter.failed) throw streamFailure('cut', 'upstream');
}

function streamFailure(kind: 'cut' | 'error', upstreamName: string): GatewayError {
  return kind === 'cut'
    ? new GatewayError(
        'upstream_stream_incomplete',
        `The upstream "${upstreamName}" stream ended before it was complete.`,
      )
    : new GatewayError(
        'upstream_stream_error',
        `The upstream "${upstreamName}" reported an error in the middle of its stream.`,
      );
}
