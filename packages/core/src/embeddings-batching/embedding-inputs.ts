/** A request's `input` as a list of inputs: texts, or token arrays. */
export interface EmbeddingInputs {
  kind: 'text' | 'tokens';
  items: Array<string | number[]>;
}

const isTokenArray = (value: unknown): value is number[] =>
  Array.isArray(value) && value.length > 0 && value.every((token) => Number.isInteger(token));

/**
 * Reads `input` of an embeddings request: a string, an array of strings, a token array or an
 * array of token arrays (the four shapes OpenAI takes; they cannot be mixed). Anything else is
 * undefined, and such a request is sent on its own for the upstream to judge.
 *
 * @example
 * embeddingInputs(['a', 'b']); // { kind: 'text', items: ['a', 'b'] }
 * embeddingInputs([1, 2, 3]);  // { kind: 'tokens', items: [[1, 2, 3]] }
 */
export function embeddingInputs(input: unknown): EmbeddingInputs | undefined {
  if (typeof input === 'string') return { kind: 'text', items: [input] };
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'string')) return { kind: 'text', items: input as string[] };
  if (isTokenArray(input)) return { kind: 'tokens', items: [input] };
  if (input.every(isTokenArray)) return { kind: 'tokens', items: input as number[][] };
  return undefined;
}

/**
 * The tokens of the inputs as the batcher counts them: a token array exactly, a text as its
 * UTF-8 bytes / 4, rounded up. An estimate on purpose: a tokenizer pass over every input costs
 * more than the batching saves (and seconds on a long run of one repeated character), the
 * shares only need to follow input size, and a batch the upstream finds too large is a 400
 * that is split and sent again like a poisoned one.
 *
 * @example
 * estimateInputTokens({ kind: 'text', items: ['abcdefgh'] }); // 2
 */
export function estimateInputTokens(inputs: EmbeddingInputs): number {
  let tokens = 0;
  for (const item of inputs.items) {
    tokens += typeof item === 'string' ? Math.ceil(Buffer.byteLength(item) / 4) : item.length;
  }
  return tokens;
}
