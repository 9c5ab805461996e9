import { type Endpoint, missingParameter } from './endpoint.js';
import { invalidRequestBody } from './openai-errors.js';
import { jsonResponse } from './planned-response.js';
import { estimateInputTokens, estimateTextTokens } from './token-estimate.js';

/** The longest input OpenAI's embedding models take (estimated tokens); longer ones answer 400. */
export const maxEmbeddingInputTokens = 8192;

/**
 * `POST /v1/embeddings`: one `embedding` object per input (a string, an array of strings, a
 * token array or an array of token arrays). Vectors are unit length and derived only from the
 * input text and the length (`dimensions` of the request, else the `embeddingDimensions` option),
 * so equal inputs give equal vectors. `encoding_format: 'base64'` (the openai SDK's default)
 * returns little-endian float32 bytes in base64, as OpenAI does.
 *
 * @example
 * embeddings({ id: 1, body: { model: 'text-embedding-3-small', input: 'hello' }, settings, options });
 */
export const embeddings: Endpoint = ({ body, options }) => {
  const { model, input, dimensions: requested } = body;
  if (typeof model !== 'string') return missingParameter('model');
  const inputs = embeddingInputs(input);
  if (inputs === undefined) return missingParameter('input');
  let dimensions = options.embeddingDimensions;
  if (requested !== undefined) {
    if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 1) {
      return jsonResponse(
        400,
        invalidRequestBody("'dimensions' must be a positive integer.", 'invalid_value', 'dimensions'),
      );
    }
    dimensions = requested;
  }
  // One input over the model's window fails the whole request, as OpenAI's does: a batch
  // carrying it is "poisoned" for every input in it.
  const longest = Math.max(...inputs.map((text) => estimateTextTokens(text)));
  if (longest > maxEmbeddingInputTokens) {
    return jsonResponse(
      400,
      invalidRequestBody(
        `This model's maximum context length is ${maxEmbeddingInputTokens} tokens, however you requested ${longest} tokens in one input. Please reduce your input.`,
        null,
        'input',
      ),
    );
  }
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((text, index) => {
    const vector = embeddingVector(text, dimensions);
    const embedding = base64 ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const tokens = estimateInputTokens(input);
  return jsonResponse(
    200,
    JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }),
  );
};

/**
 * A deterministic unit vector for `text`: FNV-1a hash of the text seeds a small PRNG.
 *
 * @example
 * embeddingVector('hello', 8).length; // 8
 */
export function embeddingVector(text: string, dimensions: number): Float32Array {
  let seed = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    seed = Math.imul(seed ^ text.charCodeAt(index), 0x01000193);
  }
  const vector = new Float32Array(dimensions);
  let squares = 0;
  for (let index = 0; index < dimensions; index += 1) {
    // mulberry32: tiny, fast and good enough to spread values over [-1, 1).
    seed = (seed + 0x6d2b79f5) | 0;
    let mixed = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    const value = (((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    vector[index] = value;
    squares += value * value;
  }
  const norm = Math.sqrt(squares) || 1;
  for (let index = 0; index < dimensions; index += 1) vector[index] = (vector[index] ?? 0) / norm;
  return vector;
}

function embeddingInputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  // A flat array of numbers is one tokenised input, not many.
  if (input.every((element) => typeof element === 'number')) return [input.join(',')];
  const texts: string[] = [];
  for (const element of input) {
    if (typeof element === 'string') texts.push(element);
    else if (Array.isArray(element)) texts.push(element.join(','));
    else return undefined;
  }
  return texts;
}
