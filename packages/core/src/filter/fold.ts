/**
 * Character folding for matching: NFKC (full-width Ｆｏｏ → foo, ligatures, circled and
 * mathematical letters), lower case, and removal of invisible characters that would otherwise
 * split a word without showing. Folding works per code point, so folded text maps back to the
 * original characters one by one.
 */

/**
 * Invisible: Unicode's Default_Ignorable_Code_Point property — zero-width space, joiners and
 * non-joiner, word joiner, soft hyphen, BOM, bidi marks and embeddings, variation selectors,
 * tag characters, Hangul fillers. A renderer that does not know such a character shows nothing,
 * so each of them can split a word without the reader noticing.
 */
const invisiblePattern = /^\p{Default_Ignorable_Code_Point}$/u;

/** The folded form of one code point ('' when it is invisible). */
export function foldCodePoint(codePoint: number): string {
  const character = String.fromCodePoint(codePoint);
  if (invisiblePattern.test(character)) return '';
  return character.normalize('NFKC').toLowerCase();
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

/**
 * True for a code point the fold removes (see `invisiblePattern`); the mask drops these too.
 *
 * @example
 * isInvisible(0x200d); // true (zero-width joiner)
 * isInvisible(0x61);   // false
 */
export function isInvisible(codePoint: number): boolean {
  if (codePoint < 0xad) return false;
  // BMP code points read the fold table; astral ones (tags, variation selectors) are rare.
  if (codePoint < 0xd800 || (codePoint > 0xdfff && codePoint <= 0xffff))
    return foldUnit(codePoint) === foldSkip;
  return invisiblePattern.test(String.fromCodePoint(codePoint));
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
