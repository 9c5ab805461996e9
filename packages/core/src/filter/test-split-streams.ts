import fc from 'fast-check';
import { isInvisible } from './fold.js';

// Test helpers shared by the stream-filter property tests: contents and the ways to split them.

// Pieces that make banned words, near misses, multi-byte and astral characters, disguises.
const pieces = [
  'bad',
  'word',
  'badword',
  'BAD',
  'Ｗｏｒｄ',
  '违',
  '禁',
  '词',
  '违禁词',
  'secret',
  ' ',
  'plan',
  'a',
  'b',
  '1',
  '23',
  '456',
  '\u200b',
  '\u200d',
  '\u00ad',
  '\ufe0f',
  '\u{e0041}',
  '😀',
  'é',
  '\n',
  '"',
  '\\',
  'x',
];
export const contentArbitrary = fc
  .array(fc.constantFrom(...pieces), { maxLength: 24 })
  .map((parts) => parts.join(''));

/** The code points of `text` a reader sees (invisible ones left out), one array entry each. */
export function visibleOnly(text: string): string[] {
  return Array.from(text).filter((character) => !isInvisible(character.codePointAt(0) as number));
}

/** Splits `text` into deltas at the given code-point positions. */
export function deltas(text: string, cuts: number[]): string[] {
  const points = Array.from(text);
  const positions = [...new Set(cuts.map((cut) => cut % (points.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const position of [...positions, points.length]) {
    parts.push(points.slice(last, position).join(''));
    last = position;
  }
  return parts;
}

/** The stream's bytes cut at the given byte offsets (inside UTF-8 characters too). */
export async function* chunked(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  const offsets = [...new Set(cuts.map((cut) => cut % bytes.length))]
    .filter((cut) => cut > 0)
    .sort((a, b) => a - b);
  let last = 0;
  for (const offset of [...offsets, bytes.length]) {
    yield bytes.subarray(last, offset);
    last = offset;
  }
}
