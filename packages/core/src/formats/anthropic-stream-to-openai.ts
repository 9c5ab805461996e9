import { isObject, parseObject } from '../filter/sse-event.js';
import type { JsonObject } from '../types.js';
import type { AnthropicUsage } from './anthropic-types.js';
import { anthropicErrorToOpenAI } from './error-mapping.js';
import type { ChatDelta } from './openai-chat-types.js';
import type { SseEvent } from './sse-message.js';
import { anthropicStopToOpenAI } from './stop-reasons.js';
import type { StreamConverter } from './stream-converter.js';
import { anthropicUsageToOpenAI } from './usage-mapping.js';

export interface OpenAIStreamOptions {
  /** The client asked for `stream_options.include_usage`: emit the usage chunk before `[DONE]`. */
  includeUsage?: boolean;
  /** `created` of every chunk (Unix seconds); Anthropic sends none. Default: now. */
  created?: number;
}

const str = (value: unknown): value is string => typeof value === 'string';

/**
 * Converts an Anthropic Messages stream into Chat Completions chunks, event by event:
 * `message_start` → the role chunk; `text_delta` → content; `thinking_delta` →
 * `reasoning_content`; a `tool_use` block start → a tool call (id, name) at the next tool
 * index, its `input_json_delta`s → argument pieces; `message_delta` → stop reason and usage
 * (cumulative: the last value wins, never summed; input tokens taken from it when
 * `message_start` had none); `message_stop` → the finish chunk, the usage chunk if asked, and
 * `[DONE]`. `ping`, `signature_delta`, `citations_delta` and server-tool blocks emit nothing.
 * An `error` event becomes `data: {"error":{...}}` and the stream fails, as does a stream that
 * ends before `message_stop`.
 *
 * @example
 * const converter = new AnthropicStreamToOpenAI({ includeUsage: true });
 * for await (const event of readSseEvents(body)) write(encodeSseEvents(converter.push(event)));
 * write(encodeSseEvents(converter.end()));
 */
export class AnthropicStreamToOpenAI implements StreamConverter {
  private id = '';
  private model = '';
  private readonly created: number;
  private readonly includeUsage: boolean;
  private usage: Partial<AnthropicUsage> = {};
  private stopReason: string | null = null;
  /** Anthropic block index → OpenAI tool-call index, for `tool_use` blocks. */
  private readonly tools = new Map<number, number>();
  private finished = false;
  private errored = false;

  constructor(options: OpenAIStreamOptions = {}) {
    this.created = options.created ?? Math.floor(Date.now() / 1000);
    this.includeUsage = options.includeUsage === true;
  }

  get failed(): boolean {
    return this.errored;
  }

  push(event: SseEvent): SseEvent[] {
    if (this.finished || this.errored) return [];
    const data = parseObject(event.data);
    if (data === undefined) return [];
    switch (data.type ?? event.event) {
      case 'message_start':
        return this.start(isObject(data.message) ? data.message : {});
      case 'content_block_start':
        return this.blockStart(data);
      case 'content_block_delta':
        return this.blockDelta(data);
      case 'message_delta':
        if (isObject(data.delta) && str(data.delta.stop_reason)) this.stopReason = data.delta.stop_reason;
        if (isObject(data.usage)) this.mergeUsage(data.usage, true);
        return [];
      case 'message_stop':
        return this.stop();
      case 'error':
        this.errored = true;
        return [{ data: JSON.stringify(anthropicErrorToOpenAI(500, data).body) }];
      default:
        // ping, content_block_stop, and event types Anthropic adds later.
        return [];
    }
  }

  end(): SseEvent[] {
    if (this.finished || this.errored) return [];
    this.errored = true;
    const error = {
      message: 'The upstream stream ended before it was complete.',
      type: 'upstream_error',
      param: null,
      code: 'upstream_stream_incomplete',
    };
    return [{ data: JSON.stringify({ error }) }];
  }

  private start(message: JsonObject): SseEvent[] {
    if (str(message.id)) this.id = message.id;
    if (str(message.model)) this.model = message.model;
    if (isObject(message.usage)) this.mergeUsage(message.usage, false);
    return [this.chunk({ role: 'assistant', content: '' })];
  }

  /** Usage fields are totals so far: a later value replaces an earlier one. */
  private mergeUsage(usage: JsonObject, fromDelta: boolean): void {
    for (const key of [
      'input_tokens',
      'output_tokens',
      'cache_read_input_tokens',
      'cache_creation_input_tokens',
    ]) {
      const value = usage[key];
      if (typeof value !== 'number') continue;
      // message_delta repeats input tokens (or, with some providers, sends them only there);
      // a 0 there must not erase the count message_start gave.
      if (fromDelta && key !== 'output_tokens' && value === 0) continue;
      (this.usage as Record<string, number>)[key] = value;
    }
  }

  private blockStart(data: JsonObject): SseEvent[] {
    const block = isObject(data.content_block) ? data.content_block : {};
    const index = typeof data.index === 'number' ? data.index : 0;
    if (block.type === 'text' && str(block.text) && block.text !== '')
      return [this.chunk({ content: block.text })];
    if (block.type === 'thinking' && str(block.thinking) && block.thinking !== '') {
      return [this.chunk({ reasoning_content: block.thinking })];
    }
    if (block.type !== 'tool_use') return [];
    const toolIndex = this.tools.size;
    this.tools.set(index, toolIndex);
    const call = {
      index: toolIndex,
      id: String(block.id),
      type: 'function' as const,
      function: { name: String(block.name), arguments: '' },
    };
    return [this.chunk({ tool_calls: [call] })];
  }

  private blockDelta(data: JsonObject): SseEvent[] {
    const delta = isObject(data.delta) ? data.delta : {};
    if (delta.type === 'text_delta' && str(delta.text)) return [this.chunk({ content: delta.text })];
    if (delta.type === 'thinking_delta' && str(delta.thinking))
      return [this.chunk({ reasoning_content: delta.thinking })];
    if (delta.type !== 'input_json_delta' || !str(delta.partial_json) || delta.partial_json === '') return [];
    const toolIndex = this.tools.get(typeof data.index === 'number' ? data.index : 0);
    if (toolIndex === undefined) return [];
    return [this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
  }

  private stop(): SseEvent[] {
    this.finished = true;
    const finish = anthropicStopToOpenAI(this.stopReason, this.tools.size > 0);
    const events = [this.chunk({}, finish)];
    if (this.includeUsage) {
      events.push({
        data: JSON.stringify({ ...this.head(), choices: [], usage: anthropicUsageToOpenAI(this.usage) }),
      });
    }
    events.push({ data: '[DONE]' });
    return events;
  }

  private head() {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(delta: ChatDelta, finish: string | null = null): SseEvent {
    return {
      data: JSON.stringify({
        ...this.head(),
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      }),
    };
  }
}
