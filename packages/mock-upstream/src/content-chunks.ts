import { BoundedCache } from './bounded-cache.js';

const cache = new BoundedCache<string, readonly string[]>(1_000);

/**
 * Splits `content` into at most `chunks` pieces of nearly equal length, counted in code points
 * so a multi-byte character (or a surrogate pair) is never cut in half. Content shorter than
 * `chunks` code points gives one piece per code point; empty content gives no pieces.
 * Results are cached: the same (content, chunks) pair is split once.
 *
 * @example
 * contentChunks('你好世界', 2); // ['你好', '世界']
 */
export function contentChunks(content: string, chunks: number): readonly string[] {
  const key = `${chunks}\u0000${content}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const codePoints = Array.from(content);
  const count = Math.min(chunks, codePoints.length);
  const pieces: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const start = Math.floor((index * codePoints.length) / count);
    const end = Math.floor(((index + 1) * codePoints.length) / count);
    pieces.push(codePoints.slice(start, end).join(''));
  }
  return cache.set(key, Object.freeze(pieces));
}
