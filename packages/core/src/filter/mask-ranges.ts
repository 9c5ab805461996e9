import { isInvisible } from './fold.js';

// One user-perceived character (grapheme cluster) per star: `é` written as e + U+0301, a Thai
// syllable with its marks, an emoji with a skin tone or a ZWJ family are each one character.
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Code units that are a grapheme cluster on their own whatever surrounds them (printable
 * Latin, Greek and Cyrillic letters, CJK punctuation, kana, CJK ideographs, Hangul syllables,
 * full-width forms): a span of only these and invisible characters is counted without the
 * segmenter, which is what almost every match is. The ranges leave out every combining mark
 * and every character an emoji sequence may join (© ®, 〰 〽).
 */
function standsAlone(code: number): boolean {
  if (code < 0x300)
    return code >= 0x20 && code !== 0x7f && (code < 0x80 || code >= 0xa0) && !latinExceptions(code);
  return (
    (code >= 0x370 && code <= 0x482) ||
    (code >= 0x3000 && code <= 0x3029) ||
    (code >= 0x3041 && code <= 0x3096) ||
    (code >= 0x309b && code <= 0x30ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xff01 && code <= 0xff5e)
  );
}

/** The soft hyphen (invisible), and © and ® (emoji sequences may join them to what follows). */
function latinExceptions(code: number): boolean {
  return code === 0xad || code === 0xa9 || code === 0xae;
}

/**
 * How many characters a reader sees in `text[start, stop)`: grapheme clusters that hold at
 * least one visible code point. Invisible characters (`isInvisible`) count for nothing, alone
 * (a zero-width space) or inside a cluster (a joiner after a letter).
 *
 * @example
 * visibleCharacters('bad\u200dword', 0, 8); // 7
 */
export function visibleCharacters(text: string, start: number, stop: number): number {
  let count = 0;
  for (let index = start; index < stop; index++) {
    const code = text.charCodeAt(index);
    if (standsAlone(code)) count++;
    else if (code >= 0xd800 && code <= 0xdfff) return segmentedCount(text.slice(start, stop));
    else if (!isInvisible(code)) return segmentedCount(text.slice(start, stop));
  }
  return count;
}

function segmentedCount(span: string): number {
  let count = 0;
  for (const { segment } of graphemes.segment(span)) {
    for (const character of segment) {
      if (!isInvisible(character.codePointAt(0) as number)) {
        count++;
        break;
      }
    }
  }
  return count;
}

/**
 * The start of the grapheme cluster of `text[start, stop)` that holds `offset` (`offset` itself
 * when a cluster starts there): a stream that must release part of a masked span cuts it there,
 * so both parts together get as many stars as the whole span.
 *
 * @example
 * clusterStart('x👍🏽y', 0, 6, 3); // 1 (inside the thumbs-up with its skin tone)
 */
export function clusterStart(text: string, start: number, stop: number, offset: number): number {
  if (offset <= start || offset >= stop) return offset;
  if (standsAlone(text.charCodeAt(offset)) && standsAlone(text.charCodeAt(offset - 1))) return offset;
  const cluster = graphemes.segment(text.slice(start, stop)).containing(offset - start);
  return cluster === undefined ? offset : start + cluster.index;
}

/**
 * Masks `ranges` (`[start, end, ...]`, sorted and disjoint, as `ContentScanner.scan` reports
 * them) of `text` up to `end`: each span becomes one `*` per character the reader sees (see
 * `visibleCharacters`), and the invisible characters inside it are dropped, so the masked text
 * neither counts nor carries them. Text outside the ranges is kept as it is.
 *
 * @example
 * maskRanges('say 违禁词 now', [4, 7], 11); // 'say *** now'
 * maskRanges('a bad\u200dword', [2, 10]);     // 'a *******'
 */
export function maskRanges(text: string, ranges: readonly number[], end = text.length): string {
  if (ranges.length === 0) return end === text.length ? text : text.slice(0, end);
  let result = '';
  let position = 0;
  for (let index = 0; index < ranges.length && position < end; index += 2) {
    const start = Math.max(Math.min(ranges[index] as number, end), position);
    const stop = Math.min(ranges[index + 1] as number, end);
    if (start > position) result += text.slice(position, start);
    if (stop > start) result += '*'.repeat(visibleCharacters(text, start, stop));
    position = Math.max(position, stop);
  }
  if (position < end) result += text.slice(position, end);
  return result;
}
