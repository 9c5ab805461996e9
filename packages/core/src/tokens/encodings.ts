import { modelToEncodingMap } from 'gpt-tokenizer/mapping';

/** The part of a gpt-tokenizer encoding Ferry uses. */
export interface TokenEncoding {
  countTokens(text: string): number;
  /** The count, or `cap + 1` as soon as it exceeds `cap`: bounded work for huge texts. */
  countTokensUpTo(text: string, cap: number): number;
}

// Special-token text in a message (`<|endoftext|>`) is ordinary text to the API; gpt-tokenizer
// would throw on it by default.
const asPlainText = { disallowedSpecial: new Set<string>() };

interface Encoder {
  countTokens(text: string, options: typeof asPlainText): number;
  isWithinTokenLimit(text: string, limit: number, options: typeof asPlainText): number | false;
}

/** Bounds of each encoding's memo of counted texts: entries, and the characters they hold. */
const memoEntries = 4_096;
const memoCharacters = 8 * 1024 * 1024;
/** Longer texts are counted afresh: holding them would cost more memory than the count saves. */
const memoLongestText = 256 * 1024;

/**
 * Counts, remembered per text. Callers resend the same texts all the time: a bot's system
 * prompt on every request, a chat's whole history on every turn. Tokenising is the costly
 * part (BPE), a Map lookup of the same string is not, so each text is tokenised once while it
 * is in this least-recently-used memo.
 */
/** @internal Exported for its test. */
export function createCountMemo() {
  const counts = new Map<string, number>();
  let characters = 0;
  return {
    get(text: string): number | undefined {
      const count = counts.get(text);
      if (count !== undefined) {
        // Re-inserted: a Map iterates in insertion order, so the oldest entry comes first.
        counts.delete(text);
        counts.set(text, count);
      }
      return count;
    },
    set(text: string, count: number): void {
      if (text.length > memoLongestText) return;
      counts.set(text, count);
      characters += text.length;
      while (counts.size > memoEntries || characters > memoCharacters) {
        const oldest = counts.keys().next().value as string;
        counts.delete(oldest);
        characters -= oldest.length;
      }
    },
  };
}

const wrap = (encoder: Encoder): TokenEncoding => {
  const memo = createCountMemo();
  const count = (text: string) => {
    let tokens = memo.get(text);
    if (tokens === undefined) {
      tokens = encoder.countTokens(text, asPlainText);
      memo.set(text, tokens);
    }
    return tokens;
  };
  return {
    countTokens: count,
    countTokensUpTo: (text, cap) => {
      // Short texts cannot exceed a cap of their own length; the early-exit path costs more for them.
      if (text.length <= cap) return count(text);
      const known = memo.get(text);
      if (known !== undefined) return Math.min(known, cap + 1);
      // Past the cap the count is not exact, so it is not remembered.
      const within = encoder.isWithinTokenLimit(text, cap, asPlainText);
      return within === false ? cap + 1 : within;
    },
  };
};

export type EncodingName = 'cl100k_base' | 'o200k_base';

const loaded = new Map<EncodingName, Promise<TokenEncoding>>();
const knownEncodings = modelToEncodingMap as Record<string, string | undefined>;

/**
 * The encoding of a model: gpt-tokenizer's own table first, then by family (`gpt-4o`, `gpt-4.1`,
 * `gpt-5`, `o1`/`o3`/`o4` use o200k_base; `gpt-4` and `gpt-3.5` use cl100k_base). Models
 * outside OpenAI's families get o200k_base: an estimate, never exact for them.
 *
 * @example
 * encodingNameForModel('gpt-4-0613'); // 'cl100k_base'
 */
export function encodingNameForModel(model: string | undefined): EncodingName {
  if (model === undefined) return 'o200k_base';
  const known = knownEncodings[model];
  if (known === 'cl100k_base' || known === 'o200k_base') return known;
  if (/^(?:gpt-4(?!o|\.)|gpt-3\.5|text-embedding-(?:ada|3))/.test(model)) return 'cl100k_base';
  return 'o200k_base';
}

/**
 * Loads an encoding once, on first use: each rank table is several megabytes, and a gateway
 * that never counts tokens should not pay for them.
 *
 * @example
 * const encoding = await loadEncoding('o200k_base');
 * encoding.countTokens('hello world'); // 2
 */
export function loadEncoding(name: EncodingName): Promise<TokenEncoding> {
  let encoding = loaded.get(name);
  if (encoding === undefined) {
    encoding =
      name === 'cl100k_base'
        ? import('gpt-tokenizer/encoding/cl100k_base').then((module) => wrap(module as unknown as Encoder))
        : import('gpt-tokenizer/encoding/o200k_base').then((module) => wrap(module as unknown as Encoder));
    loaded.set(name, encoding);
  }
  return encoding;
}

/** The encoding for a model, loaded. */
export const encodingForModel = (model: string | undefined) => loadEncoding(encodingNameForModel(model));
