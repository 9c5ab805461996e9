import { promptTokensOf } from '../tokens/count-prompt-tokens.js';
import { countStreamedTokens } from '../tokens/count-streamed-tokens.js';
import { encodingForModel } from '../tokens/encodings.js';
import type { GatewayContext, ResponseTap, Usage } from '../types.js';

/** Enough of the body's end to hold the final usage object (it comes last in OpenAI bodies). */
const tailBytes = 8 * 1024;
const decoder = new TextDecoder();

const numberField = (name: string) => new RegExp(`"${name}"\\s*:\\s*(\\d+)`);
const promptFields = [numberField('prompt_tokens'), numberField('input_tokens')];
const completionFields = [numberField('completion_tokens'), numberField('output_tokens')];
const totalFields = [numberField('total_tokens')];
const cachedFields = [numberField('cached_tokens')];
const usageStart = /"usage"\s*:\s*\{/g;

const field = (text: string, patterns: readonly RegExp[]): number | undefined => {
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
};

/**
 * Reads token usage from the end of a response body (`usage` of chat, completions,
 * embeddings, and the Responses API's `input_tokens`/`output_tokens`), whole or streamed.
 * Returns undefined when the tail holds no usage object.
 */
export function usageFromTail(tail: string): Usage | undefined {
  // The last usage object wins; upstreams that pretty-print JSON (OpenAI's non-stream bodies)
  // put whitespace around the colon.
  let start = -1;
  usageStart.lastIndex = 0;
  for (let match = usageStart.exec(tail); match !== null; match = usageStart.exec(tail)) start = match.index;
  if (start === -1) return undefined;
  const object = tail.slice(start, start + 1024);
  const promptTokens = field(object, promptFields);
  if (promptTokens === undefined) return undefined;
  const completionTokens = field(object, completionFields) ?? 0;
  const totalTokens = field(object, totalFields) ?? promptTokens + completionTokens;
  const usage: Usage = { promptTokens, completionTokens, totalTokens, source: 'upstream' };
  const cachedPromptTokens = field(object, cachedFields);
  if (cachedPromptTokens !== undefined) usage.cachedPromptTokens = cachedPromptTokens;
  return usage;
}

/** Beyond this much streamed text a cut stream is estimated from the bytes kept so far. */
const maxKeptBytes = 4 * 1024 * 1024;

/**
 * The gateway's own accounting tap, run before every other tap by the relay. It keeps the last
 * few KiB of the body and reads the upstream's usage from them once the body ends: no per-chunk
 * parsing on the hot path. When `estimate` is set (a stream whose settlement needs usage), it
 * also keeps the streamed chunks by reference (no copy, up to 4 MiB), so a stream that ends
 * without a usage report is counted locally: the prompt as counted before forwarding plus the
 * tokens of the text actually streamed.
 */
export class UsageTap implements ResponseTap {
  readonly #tail: Uint8Array[] = [];
  #held = 0;
  readonly #kept: Uint8Array[] | undefined;
  #keptBytes = 0;

  constructor(estimate: boolean) {
    this.#kept = estimate ? [] : undefined;
  }

  chunk(bytes: Uint8Array): void {
    const tail = this.#tail;
    tail.push(bytes);
    this.#held += bytes.byteLength;
    while (tail.length > 1 && this.#held - (tail[0] as Uint8Array).byteLength >= tailBytes) {
      this.#held -= (tail.shift() as Uint8Array).byteLength;
    }
    const kept = this.#kept;
    if (kept !== undefined && this.#keptBytes < maxKeptBytes) {
      kept.push(bytes);
      this.#keptBytes += bytes.byteLength;
    }
  }

  /** The upstream's usage report, from the end of the body, or undefined. */
  reported(): Usage | undefined {
    const chunks = this.#tail;
    if (chunks.length === 0) return undefined;
    const tail = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, this.#held);
    chunks.length = 0;
    return usageFromTail(decoder.decode(tail.subarray(Math.max(0, tail.byteLength - tailBytes))));
  }

  /** True when no report came but the streamed text can be counted. */
  get canEstimate(): boolean {
    return this.#kept !== undefined;
  }

  /** A local count for a stream that carried no usage: prompt as counted, plus the streamed text. */
  async estimate(context: GatewayContext): Promise<Usage> {
    const chunks = this.#kept ?? [];
    try {
      const promptTokens = await promptTokensOf(context);
      const completionTokens = countStreamedTokens(chunks, await encodingForModel(context.model));
      return {
        promptTokens,
        completionTokens,
        totalTokens: promptTokens + completionTokens,
        source: 'estimate',
      };
    } finally {
      chunks.length = 0;
    }
  }
}

/** The usage of a whole (non-streamed) body, read from its end. */
export const usageOfBytes = (body: Uint8Array): Usage | undefined =>
  usageFromTail(decoder.decode(body.subarray(Math.max(0, body.byteLength - tailBytes))));
