import { encodingForModel } from '../tokens/encodings.js';
import type { JsonObject, Usage } from '../types.js';

/** A response the upstream started and has not finished: what it streamed so far. */
interface OpenResponse {
  text: string;
}

// Ids of finished responses and transcriptions, kept to count each exactly once; bounded.
const maxRememberedIds = 4096;

const numberOr0 = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
const objectOr = (value: unknown): JsonObject | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;

/**
 * Sums a session's usage from the upstream's own reports: `response.done.response.usage` (input
 * and output tokens, cached input) and the token usage of transcription completions, each
 * counted exactly once (by response id, by item and content index). A response that started but
 * never finished (the session was cut) is estimated at the end: the input tokens of the last
 * finished response of the session (the conversation only grows) plus the tokens of the text and
 * transcript deltas it streamed; audio without a transcript is not estimated.
 *
 * @example
 * const usage = new SessionUsage();
 * usage.responseDone({ id: 'resp_1', usage: { input_tokens: 10, output_tokens: 5 } });
 * await usage.total('gpt-realtime'); // { promptTokens: 10, completionTokens: 5, totalTokens: 15, source: 'upstream' }
 */
export class SessionUsage {
  promptTokens = 0;
  completionTokens = 0;
  cachedPromptTokens = 0;
  responses = 0;
  private lastInputTokens = 0;
  private readonly counted = new Set<string>();
  private readonly open = new Map<string, OpenResponse>();

  /** `response.created`: a response that costs tokens from now on. */
  responseCreated(response: JsonObject | undefined): void {
    const id = typeof response?.id === 'string' ? response.id : undefined;
    if (id === undefined || this.counted.has(id) || this.open.has(id)) return;
    this.open.set(id, { text: '' });
  }

  /** Text the upstream streamed for a response (text and transcript deltas). */
  streamed(responseId: unknown, text: string): void {
    if (typeof responseId !== 'string') return;
    const open = this.open.get(responseId);
    if (open !== undefined) open.text += text;
  }

  /** True while a response has started and not finished. */
  get responding(): boolean {
    return this.open.size > 0;
  }

  /** `response.done`: the upstream's usage for one response, counted once. */
  responseDone(response: JsonObject | undefined): void {
    const id = typeof response?.id === 'string' ? response.id : undefined;
    if (id !== undefined) {
      if (this.counted.has(id)) return;
      this.remember(id);
      this.open.delete(id);
    }
    const usage = objectOr(response?.usage);
    this.responses++;
    if (usage === undefined) return;
    const input = numberOr0(usage.input_tokens);
    this.lastInputTokens = input;
    this.promptTokens += input;
    this.completionTokens += numberOr0(usage.output_tokens);
    this.cachedPromptTokens += numberOr0(objectOr(usage.input_token_details)?.cached_tokens);
  }

  /** `conversation.item.input_audio_transcription.completed`: token usage of one transcription. */
  transcriptionDone(event: JsonObject): void {
    const usage = objectOr(event.usage);
    if (usage === undefined || usage.type === 'duration') return;
    const id = `${String(event.item_id)}:${String(event.content_index ?? 0)}`;
    if (this.counted.has(id)) return;
    this.remember(id);
    this.promptTokens += numberOr0(usage.input_tokens);
    this.completionTokens += numberOr0(usage.output_tokens);
  }

  /** The session's usage: reported sums, plus the estimate of responses that never finished. */
  async total(model: string | undefined): Promise<Usage> {
    let prompt = this.promptTokens;
    let completion = this.completionTokens;
    const cut = [...this.open.values()];
    this.open.clear();
    if (cut.length > 0) {
      const text = cut.map((response) => response.text).join('');
      prompt += this.lastInputTokens * cut.length;
      if (text.length > 0) completion += (await encodingForModel(model)).countTokens(text);
    }
    const usage: Usage = {
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: prompt + completion,
      source: cut.length > 0 ? 'estimate' : 'upstream',
    };
    if (this.cachedPromptTokens > 0) usage.cachedPromptTokens = this.cachedPromptTokens;
    return usage;
  }

  private remember(id: string) {
    if (this.counted.size >= maxRememberedIds)
      this.counted.delete(this.counted.values().next().value as string);
    this.counted.add(id);
  }
}
