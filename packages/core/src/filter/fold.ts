/**
 * Character folding for matching: NFKC (full-width Ｆｏｏ → foo, ligatures, circled and
 * mathematical letters), lower case, and removal of invisible characters (zero-width space,
 * joiners, soft hyphen, BOM) that would otherwise split a word without showing. Folding works
 * per code point, so folded text maps back to the original characters one by one.
 */

/** Code points removed before matching. */
const invisible = new Set([
  0x00ad, 0x034f, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff,
]);

/** The folded form of one code point ('' when it is invisible). */
export function foldCodePoint(codePoint: number): string {
  if (invisible.has(codePoint)) return '';
  return String.fromCodePoint(codePoint).normalize('NFKC').toLowerCase();
}

/** `foldUnit` results that are not a code unit. */
export const foldSkip = -1;
export const foldMany = -3;
export const foldUncomputed = -2;
const uncomputed = foldUncomputed;

/**
 * One slot per BMP code unit, filled on first use (`foldUnit`): the scanner's hot loop reads it
 * directly and calls `foldUnit` only for a slot still `foldUncomputed`.
 */
export const foldTable = new Int32Array(0x10000).fill(uncomputed);
const table = foldTable;
const many = new Map<number, string>();
for (let unit = 0; unit < 0x80; unit++) table[unit] = unit >= 0x41 && unit <= 0x5a ? unit + 0x20 : unit;

/**
 * The folded form of a BMP code point that is not a surrogate: one code unit, `foldSkip`
 * (invisible), or `foldMany` (read the units with `foldedUnits`).
 */
export function foldUnit(unit: number): number {
  const known = table[unit] as number;
  if (known !== uncomputed) return known;
  const folded = foldCodePoint(unit);
  const value = folded.length === 0 ? foldSkip : folded.length === 1 ? folded.charCodeAt(0) : foldMany;
  if (value === foldMany) many.set(unit, folded);
  table[unit] = value;
  return value;
}

/** The folded units of a code point whose `foldUnit` is `foldMany`, or of an astral code point. */
export function foldedUnits(codePoint: number): string {
  let folded = many.get(codePoint);
  if (folded === undefined) {
    folded = foldCodePoint(codePoint);
    // Astral code points are rare; cache a bounded number of them.
    if (many.size < 65_536) many.set(codePoint, folded);
  }
  return folded;
}

/**
 * Folds a whole string (word lists, tests). The scanner folds inline instead.
 *
 * @example
 * foldText('ＢＡＤ\u200bword'); // 'badword'
 */
export function foldText(text: string): string {
  let folded = '';
  for (const character of text) folded += foldCodePoint(character.codePointAt(0) as number);
  return folded;
}
