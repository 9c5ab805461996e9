import { isObject, parseObject } from '../filter/sse-event.js';
import type { JsonObject } from '../types.js';
import { IncompleteStreamError } from './incomplete-stream-error.js';
import type {
  ChatAnswerMessage,
  ChatChoice,
  ChatCompletion,
  ChatLogprobs,
  ChatToolCall,
  ChatUsage,
} from './openai-chat-types.js';
import type { SseEvent } from './sse-message.js';
import type { StreamAggregator } from './stream-converter.js';

interface ChoiceState {
  content: string | null;
  refusal: string | null;
  reasoningContent: string | undefined;
  reasoning: string | undefined;
  tools: Map<number, ChatToolCall>;
  annotations: unknown[] | undefined;
  logprobs: ChatLogprobs | null;
  finishReason: string | null;
}

const str = (value: unknown): value is string => typeof value === 'string';
// The opening `content: ""` of a stream is no content: a tool-call answer keeps `content: null`.
const append = (current: string | null | undefined, more: unknown): string | null | undefined =>
  str(more) && more !== '' ? (current ?? '') + more : current;

/**
 * Builds the non-stream answer (`chat.completion`) from a Chat Completions stream, one event
 * at a time: content, refusal, reasoning (`reasoning_content` or `reasoning` deltas, kept under
 * the name the upstream used), tool calls by `index` (id, type and name from their first delta,
 * arguments concatenated), every choice of `n > 1`, finish reasons, logprobs, usage (from the
 * usage chunk), `system_fingerprint`, `service_tier`. Keys come out in OpenAI's order.
 * `finish()` throws `IncompleteStreamError` when `[DONE]` never came or the stream carried an
 * error: a cut stream is never a truncated success.
 *
 * @example
 * const aggregator = new ChatStreamAggregator();
 * for await (const event of readSseEvents(body)) aggregator.push(event);
 * const completion = aggregator.finish();
 */
export class ChatStreamAggregator implements StreamAggregator<ChatCompletion> {
  private id = '';
  private created = 0;
  private model = '';
  private serviceTier: unknown;
  private fingerprint: unknown;
  private usage: ChatUsage | undefined;
  private readonly choices = new Map<number, ChoiceState>();
  private done = false;
  private upstreamError: JsonObject | undefined;

  push(event: SseEvent): void {
    if (this.done || this.upstreamError !== undefined) return;
    if (event.data === '[DONE]') {
      this.done = true;
      return;
    }
    const chunk = parseObject(event.data);
    if (chunk === undefined) return;
    if (chunk.error !== undefined) {
      this.upstreamError = chunk;
      return;
    }
    if (str(chunk.id) && this.id === '') this.id = chunk.id;
    if (typeof chunk.created === 'number' && this.created === 0) this.created = chunk.created;
    if (str(chunk.model) && this.model === '') this.model = chunk.model;
    if (chunk.service_tier !== undefined) this.serviceTier = chunk.service_tier;
    if (chunk.system_fingerprint !== undefined && chunk.system_fingerprint !== null) {
      this.fingerprint = chunk.system_fingerprint;
    }
    if (isObject(chunk.usage)) this.usage = chunk.usage as unknown as ChatUsage;
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices) if (isObject(choice)) this.applyChoice(choice);
  }

  finish(): ChatCompletion {
    const completion = this.build();
    if (this.upstreamError !== undefined) {
      throw new IncompleteStreamError('upstream_error', completion, this.upstreamError.error);
    }
    if (!this.done) throw new IncompleteStreamError('cut', completion);
    return completion;
  }

  private applyChoice(choice: JsonObject): void {
    const index = typeof choice.index === 'number' ? choice.index : 0;
    let state = this.choices.get(index);
    if (state === undefined) {
      state = {
        content: null,
        refusal: null,
        reasoningContent: undefined,
        reasoning: undefined,
        tools: new Map(),
        annotations: undefined,
        logprobs: null,
        finishReason: null,
      };
      this.choices.set(index, state);
    }
    const delta = isObject(choice.delta) ? choice.delta : {};
    state.content = append(state.content, delta.content) ?? null;
    state.refusal = append(state.refusal, delta.refusal) ?? null;
    state.reasoningContent = append(state.reasoningContent, delta.reasoning_content) ?? undefined;
    state.reasoning = append(state.reasoning, delta.reasoning) ?? undefined;
    if (Array.isArray(delta.annotations))
      state.annotations = [...(state.annotations ?? []), ...delta.annotations];
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((call, position) => {
        if (isObject(call)) applyToolCall(state, call, position);
      });
    }
    if (isObject(choice.logprobs)) state.logprobs = mergeLogprobs(state.logprobs, choice.logprobs);
    if (str(choice.finish_reason)) state.finishReason = choice.finish_reason;
  }

  private build(): ChatCompletion {
    const choices: ChatChoice[] = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, state]) => ({
        index,
        message: messageOf(state),
        logprobs: state.logprobs,
        finish_reason: state.finishReason,
      }));
    const completion: ChatCompletion = {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices,
    };
    if (this.usage !== undefined) completion.usage = this.usage;
    if (this.serviceTier !== undefined) completion.service_tier = this.serviceTier as string | null;
    if (this.fingerprint !== undefined) completion.system_fingerprint = this.fingerprint as string;
    return completion;
  }
}

function applyToolCall(state: ChoiceState, call: JsonObject, position: number): void {
  // Some compatible providers leave out `index` when a delta carries one call.
  const index = typeof call.index === 'number' ? call.index : position;
  let tool = state.tools.get(index);
  if (tool === undefined) {
    tool = { id: '', type: 'function', function: { name: '', arguments: '' } };
    state.tools.set(index, tool);
  }
  // id, type and name come once; a provider repeating them must not make "get_weatherget_weather".
  if (str(call.id) && tool.id === '') tool.id = call.id;
  const fn = isObject(call.function) ? call.function : {};
  if (str(fn.name) && tool.function.name === '') tool.function.name = fn.name;
  if (str(fn.arguments)) tool.function.arguments += fn.arguments;
}

function mergeLogprobs(current: ChatLogprobs | null, more: JsonObject): ChatLogprobs {
  const merged: ChatLogprobs = current ?? { content: null, refusal: null };
  for (const key of ['content', 'refusal'] as const) {
    const list = more[key];
    if (Array.isArray(list)) merged[key] = [...(merged[key] ?? []), ...list];
  }
  return merged;
}

function messageOf(state: ChoiceState): ChatAnswerMessage {
  const message: ChatAnswerMessage = { role: 'assistant', content: state.content, refusal: state.refusal };
  if (state.reasoningContent !== undefined) message.reasoning_content = state.reasoningContent;
  if (state.reasoning !== undefined) message.reasoning = state.reasoning;
  if (state.tools.size > 0) {
    message.tool_calls = [...state.tools.entries()].sort(([a], [b]) => a - b).map(([, tool]) => tool);
  }
  if (state.annotations !== undefined) message.annotations = state.annotations;
  return message;
}
