const typeKey = Buffer.from('"type"');

/**
 * Reads the top-level `type` of a JSON event frame without parsing it: an audio delta of
 * several megabytes is relayed unparsed. Undefined when it cannot tell cheaply (no `type`, or
 * a nested object or array comes before it, where the first `type` may not be the event's):
 * the caller then parses the frame.
 *
 * @example
 * peekType(Buffer.from('{"type":"response.done","response":{}}')); // 'response.done'
 */
export function peekType(frame: Buffer): string | undefined {
  const at = frame.indexOf(typeKey);
  if (at === -1) return undefined;
  for (let index = 1; index < at; index++) {
    const byte = frame[index];
    if (byte === 0x7b || byte === 0x5b) return undefined; // `{` or `[`: nested
  }
  let index = at + typeKey.length;
  while (isSpace(frame[index])) index++;
  if (frame[index] !== 0x3a) return undefined; // `:`
  index++;
  while (isSpace(frame[index])) index++;
  if (frame[index] !== 0x22) return undefined; // `"`
  const start = index + 1;
  const end = frame.indexOf(0x22, start);
  // Event names are short and plain; anything else is left to the parser.
  if (end === -1 || end - start > 96 || frame.subarray(start, end).includes(0x5c)) return undefined;
  return frame.toString('latin1', start, end);
}

const isSpace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
