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

const wrap = (encoder: Encoder): TokenEncoding => ({
  countTokens: (text) => encoder.countTokens(text, asPlainText),
  countTokensUpTo: (text, cap) => {
    // Short texts cannot exceed a cap of their own length; the early-exit path costs more for them.
    if (text.length <= cap) return encoder.countTokens(text, asPlainText);
    const count = encoder.isWithinTokenLimit(text, cap, asPlainText);
    return count === false ? cap + 1 : count;
  },
});

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
 * The factor a model's local count is scaled by. Claude's tokenizer is not published: Ferry
 * counts Claude prompts with o200k_base and scales the count by 1.2, erring towards more tokens
 * (independent measurements put Claude's counts 10–30 % above OpenAI's encodings for English
 * text), so context fitting and token limits do not let a prompt through that Claude would count
 * larger. Exact counts need Anthropic's own `count_tokens` endpoint, a network call per request.
 *
 * @example
 * tokenScaleForModel('claude-sonnet-4-5'); // 1.2
 */
export function tokenScaleForModel(model: string | undefined): number {
  return model?.startsWith('claude') === true ? claudeTokenScale : 1;
}
const claudeTokenScale = 1.2;

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
