import { chatCompletionToChunks } from '../formats/chat-completion-to-chunks.js';
import { ChatStreamAggregator } from '../formats/chat-stream-aggregator.js';
import type { ChatCompletion } from '../formats/openai-chat-types.js';
import { encodeSseEvents, parseSseText } from '../formats/sse-message.js';
import type { GatewayResponse, JsonObject } from '../types.js';

/** A stored answer: the JSON answer (a stream is kept as the completion it assembles to). */
export interface CachedAnswer {
  /** Format version, so a fleet upgrading its entries never misreads old ones. */
  v: 1;
  /** When it was stored (epoch ms), for the `age` header. */
  at: number;
  /** The upstream's total tokens for it: what a hit saves. */
  tokens: number;
  /** The JSON answer as text. */
  body: string;
}

/** What a stored answer must not contain unless configured (`cache.toolCalls`). */
export interface AnswerRules {
  toolCalls: boolean;
}

/**
 * The JSON answer of a finished upstream body, or undefined when it must not be cached: a
 * stream cut before `[DONE]` or carrying an error, a body that is not JSON, an answer with tool
 * calls (unless allowed), a chat answer without choices or an embeddings answer without data.
 */
export async function answerOfBody(
  bytes: Uint8Array,
  eventStream: boolean,
  endpoint: string,
  rules: AnswerRules,
): Promise<{ text: string; answer: JsonObject } | undefined> {
  let answer: JsonObject;
  let text: string;
  try {
    if (eventStream) {
      const aggregator = new ChatStreamAggregator();
      for (const event of await parseSseText(bytes)) aggregator.push(event);
      answer = aggregator.finish() as unknown as JsonObject;
      text = JSON.stringify(answer);
    } else {
      text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      answer = parsed as JsonObject;
    }
  } catch {
    return undefined;
  }
  if (endpoint === '/embeddings') return Array.isArray(answer.data) ? { text, answer } : undefined;
  const choices = answer.choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  if (!rules.toolCalls) {
    for (const choice of choices as Array<{ message?: { tool_calls?: unknown[] } }>) {
      if ((choice?.message?.tool_calls?.length ?? 0) > 0) return undefined;
    }
  }
  return { text, answer };
}

/** Total tokens of an answer's usage, 0 when it has none. */
export function answerTokens(answer: JsonObject): number {
  const usage = answer.usage as { total_tokens?: unknown } | undefined;
  return typeof usage?.total_tokens === 'number' ? usage.total_tokens : 0;
}

/** Reads a stored entry; undefined for anything that is not one (another version, damage). */
export function readCachedAnswer(stored: string): CachedAnswer | undefined {
  try {
    const entry = JSON.parse(stored) as CachedAnswer;
    return entry.v === 1 && typeof entry.body === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A stored answer as the response the caller asked for: the JSON answer as stored, or, for a
 * chat stream, the stream it assembles from (role, reasoning, content, tool-call and finish
 * chunks, the usage chunk when `include_usage` was asked, `[DONE]`), built by the formats layer.
 */
export function replayAnswer(entry: CachedAnswer, stream: boolean, includeUsage: boolean): GatewayResponse {
  const age = String(Math.max(0, Math.floor((Date.now() - entry.at) / 1000)));
  if (!stream) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json', age },
      body: Buffer.from(entry.body),
    };
  }
  const completion = JSON.parse(entry.body) as ChatCompletion;
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', age },
    body: Buffer.from(encodeSseEvents(chatCompletionToChunks(completion, { includeUsage }))),
  };
}
