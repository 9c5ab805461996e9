const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Bytes of `text` in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD it is sent as). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Cuts `text` to at most `maxBytes` bytes of UTF-8, at a grapheme boundary, so a CJK character,
 * an emoji or a flag/ZWJ sequence is either whole or gone, never split; `ellipsis` (counted
 * in the budget) marks the cut and is left out when it alone does not fit. Text that already
 * fits comes back unchanged.
 *
 * @example
 * truncateUtf8('告警：上游超时', 10); // '告警…' (6 + 3 bytes)
 * truncateUtf8('ok 👍🏽', 6, ''); // 'ok ' — the emoji and its skin tone go together
 */
export function truncateUtf8(text: string, maxBytes: number, ellipsis = '…'): string {
  if (maxBytes <= 0) return '';
  if (utf8Length(text) <= maxBytes) return text;
  const marker = utf8Length(ellipsis) <= maxBytes ? ellipsis : '';
  const budget = maxBytes - utf8Length(marker);
  // Every UTF-16 unit is at least one byte, so nothing past `budget + 1` units can fit; the
  // segment cut by this slice is never kept, because the slice as a whole does not fit.
  const window = text.slice(0, budget + 1);
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(window)) {
    used += utf8Length(segment);
    if (used > budget) break;
    end = index + segment.length;
  }
  return text.slice(0, end) + marker;
}
