import { errorEvent, type GatewayError } from '../errors.js';
import type { GatewayContext, ResponseTap } from '../types.js';
import { clientClosedRequest, upstreamFailure } from '../upstream/upstream-failure.js';

/**
 * Relays a streamed body chunk by chunk, unchanged, feeding each chunk to the request's taps.
 *
 * A failure after the first byte cannot become an HTTP error any more. For an event stream
 * the relay yields one `data: {"error":...}` event and then rethrows, so the bridge aborts
 * the connection: a stream must never end cleanly without its `[DONE]`.
 */
export async function* relayBody(
  source: AsyncIterable<Uint8Array>,
  context: GatewayContext,
  eventStream: boolean,
  settled: (error: GatewayError | undefined) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  const taps = context.taps;
  let failure: GatewayError | undefined;
  let finished = false;
  let last: Uint8Array | undefined;
  try {
    for await (const chunk of source) {
      for (let index = 0; index < taps.length; index++) (taps[index] as ResponseTap).chunk?.(chunk);
      last = chunk;
      yield chunk;
    }
    finished = true;
  } catch (error) {
    failure = context.signal.aborted
      ? clientClosedRequest()
      : upstreamFailure(error, 'in-body', context.upstream?.name ?? 'unknown');
    if (eventStream && !context.signal.aborted) {
      // An upstream cut mid-event left a partial event open: close it, or the error event
      // would be glued to it and no client could parse it.
      const event = errorEvent(failure);
      yield last === undefined || endsEvent(last) ? event : Buffer.concat([eventSeparator, event]);
    }
    throw failure;
  } finally {
    // `return()` from the consumer (the client went away) lands here without an error.
    if (!finished && failure === undefined) failure = clientClosedRequest();
    for (let index = 0; index < taps.length; index++) (taps[index] as ResponseTap).end?.(failure);
    settled(failure);
  }
}

const LF = 10;
const CR = 13;
const eventSeparator = new Uint8Array([LF, LF]);

/** True when the bytes end with an event terminator (a false negative only adds blank lines). */
function endsEvent(bytes: Uint8Array): boolean {
  const length = bytes.byteLength;
  const end = bytes[length - 1];
  const before = bytes[length - 2];
  if (end === CR) return before === CR;
  if (end !== LF) return false;
  return before === LF || (before === CR && bytes[length - 3] === LF && bytes[length - 4] === CR);
}
