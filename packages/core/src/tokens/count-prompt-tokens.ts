import type { GatewayContext, JsonObject } from '../types.js';
import { countChatTokens } from './count-chat-tokens.js';
import { encodingForModel, tokenScaleForModel } from './encodings.js';

/** The strings of an `input`/`prompt` field: a string, an array of strings, or content parts. */
function collectText(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectText(item, into);
  else if (typeof value === 'object' && value !== null) {
    const { content, text } = value as JsonObject;
    if (typeof text === 'string') into.push(text);
    collectText(content, into);
  }
}

/**
 * The prompt tokens of the request in `context`, counted once per body: the context-fitting
 * and token-limit policies share the count. Chat is counted exactly; completions, embeddings
 * and responses count the text of their `prompt`/`input` (token-id arrays count as estimates).
 * Claude models are counted with o200k_base and scaled (`tokenScaleForModel`).
 * `capTokens` bounds the work: past the cap the count is only known to exceed it, which is all
 * a caller comparing against a window or a limit needs (the first, capped count is remembered).
 *
 * @example
 * const tokens = await promptTokensOf(context);
 */
export async function promptTokensOf(context: GatewayContext, capTokens?: number): Promise<number> {
  const body = context.body;
  if (body === undefined) return 0;
  const cached = context.promptTokens;
  if (cached !== undefined && cached.body === body) return cached.tokens;
  const encoding = await encodingForModel(context.model);
  let tokens: number;
  if (context.route.name === 'chat.completions') tokens = countChatTokens(body, encoding, capTokens);
  else {
    const texts: string[] = [];
    collectText(body.prompt ?? body.input, texts);
    if (typeof body.instructions === 'string') texts.push(body.instructions);
    tokens = 0;
    for (const text of texts) {
      tokens +=
        capTokens === undefined ? encoding.countTokens(text) : encoding.countTokensUpTo(text, capTokens);
    }
  }
  const scale = tokenScaleForModel(context.model);
  if (scale !== 1) tokens = Math.ceil(tokens * scale);
  context.promptTokens = { body, tokens };
  return tokens;
}

/** Remembers a count computed elsewhere (after trimming, the new body's count). */
export function rememberPromptTokens(context: GatewayContext, tokens: number): void {
  if (context.body !== undefined) context.promptTokens = { body: context.body, tokens };
}

/** `max_completion_tokens` or `max_tokens` (or `max_output_tokens`), when the request sets one. */
export function requestedCompletionTokens(body: JsonObject | undefined): number | undefined {
  if (body === undefined) return undefined;
  for (const name of ['max_completion_tokens', 'max_tokens', 'max_output_tokens'] as const) {
    const value = body[name];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}
