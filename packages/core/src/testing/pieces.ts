/** Yields the given pieces as a byte stream, one chunk each. */
export async function* fromPieces(pieces: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield piece;
}

/** Cuts `bytes` at the given offsets (any order; an offset inside a UTF-8 character is fine). */
export function splitAt<T extends Uint8Array>(bytes: T, points: readonly number[]): T[] {
  const pieces: T[] = [];
  let start = 0;
  for (const point of [...points].sort((a, b) => a - b)) {
    pieces.push(bytes.subarray(start, point) as T);
    start = point;
  }
  pieces.push(bytes.subarray(start) as T);
  return pieces;
}
