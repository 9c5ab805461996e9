/**
 * Splits a byte stream into complete server-sent events, each with its terminating blank
 * line, as the original bytes. Events end at `\n\n`, `\r\n\r\n` or `\r\r`; a chunk may end
 * anywhere, even inside a UTF-8 character, so bytes are held until their event is complete.
 * What is left when the source ends is yielded as it is.
 */
export async function* eventStreamEvents(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  let pending: Uint8Array | undefined;
  for await (const chunk of source) {
    const bytes = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    // Resume the scan a few bytes before the old end: a terminator may straddle the seam.
    let index = pending === undefined ? 0 : Math.max(0, pending.byteLength - 3);
    pending = undefined;
    while (index < bytes.byteLength) {
      const end = eventEnd(bytes, index);
      if (end === -1) {
        index++;
        continue;
      }
      yield bytes.subarray(start, end);
      start = end;
      index = end;
    }
    if (start < bytes.byteLength) pending = bytes.subarray(start);
  }
  if (pending !== undefined && pending.byteLength > 0) yield pending;
}

const LF = 10;
const CR = 13;

/** The index just past an event terminator starting at `index`, or -1. */
function eventEnd(bytes: Uint8Array, index: number): number {
  const byte = bytes[index];
  if (byte === LF) return bytes[index + 1] === LF ? index + 2 : -1;
  if (byte !== CR) return -1;
  const next = bytes[index + 1];
  if (next === CR) return index + 2;
  if (next === LF && bytes[index + 2] === CR && bytes[index + 3] === LF) return index + 4;
  return -1;
}
