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

/**
 * A tap that keeps only the last few KiB of the body and reads the upstream's usage from it
 * once the body ends: no per-chunk parsing on the hot path.
 */
export function createUsageTap(context: GatewayContext, report: (usage: Usage) => void): ResponseTap {
  const chunks: Uint8Array[] = [];
  let held = 0;
  return {
    chunk(bytes) {
      chunks.push(bytes);
      held += bytes.byteLength;
      while (chunks.length > 1 && held - (chunks[0] as Uint8Array).byteLength >= tailBytes) {
        held -= (chunks.shift() as Uint8Array).byteLength;
      }
    },
    end() {
      if (chunks.length === 0) return;
      const tail = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, held);
      const usage = usageFromTail(decoder.decode(tail.subarray(Math.max(0, tail.byteLength - tailBytes))));
      chunks.length = 0;
      if (usage === undefined) return;
      context.usage = usage;
      report(usage);
    },
  };
}
