/**
 * Close codes that may go on the wire (RFC 6455 §7.4): 1005, 1006 and 1015 only describe what
 * happened locally and `ws` throws when asked to send them; 1004 is reserved.
 */
export function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * The code to send on when one side closed with `code`: a clean close without a status (1005)
 * becomes 1000; a lost connection (1006), a TLS failure (1015) or any other unsendable code
 * becomes 1011, so the other side learns that the session broke.
 *
 * @example
 * relayedCloseCode(1005); // 1000
 * relayedCloseCode(1006); // 1011
 * relayedCloseCode(4000); // 4000
 */
export function relayedCloseCode(code: number): number {
  if (isSendableCloseCode(code)) return code;
  return code === 1005 ? 1000 : 1011;
}

/** A close reason fits in 123 bytes of UTF-8 (the control frame's 125 minus the code). */
export const maxCloseReasonBytes = 123;

/**
 * Cuts a close reason to 123 bytes without splitting a UTF-8 character (`ws` throws on longer
 * reasons; a split character would be invalid UTF-8, which makes the peer fail the connection).
 *
 * @example
 * cutCloseReason(Buffer.from('é'.repeat(100))); // 61 × 'é' (122 bytes)
 */
export function cutCloseReason(reason: Buffer | string): string {
  const bytes = typeof reason === 'string' ? Buffer.from(reason) : reason;
  if (bytes.length <= maxCloseReasonBytes) return bytes.toString('utf8');
  let end = maxCloseReasonBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
