import { readFileSync } from 'node:fs';
import { invalidOption } from '../config/options-error.js';

/**
 * Reads word-list files: UTF-8, one word or phrase per line; blank lines and lines starting
 * with `#` are skipped. A file that cannot be read is an options error naming it.
 *
 * @example
 * const words = readWordLists(['config/words-zh.txt', 'config/words-en.txt']);
 */
export function readWordLists(files: readonly string[]): string[] {
  const words: string[] = [];
  files.forEach((file, index) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw invalidOption(
        `contentFilter.wordLists.${index}`,
        `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    for (const line of text.split(/\r?\n/)) {
      const word = line.trim();
      if (word.length > 0 && !word.startsWith('#')) words.push(word);
    }
  });
  return words;
}
