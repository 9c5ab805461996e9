import { isObject, parseObject } from '../filter/sse-event.js';
import type { JsonObject } from '../types.js';
import type { AnthropicContentBlock, AnthropicMessage } from './anthropic-types.js';
import { IncompleteStreamError } from './incomplete-stream-error.js';
import type { SseEvent } from './sse-message.js';
import type { StreamAggregator } from './stream-converter.js';

const str = (value: unknown): value is string => typeof value === 'string';

/**
 * Builds the Anthropic answer (`type: "message"`) from a Messages stream, as the SDKs'
 * accumulators do: blocks by index, text, thinking and signature deltas appended, tool input
 * JSON parsed at `content_block_stop`, stop reason and cumulative usage from `message_delta`
 * (input tokens from it too when `message_start` had none). `finish()` throws
 * `IncompleteStreamError` without `message_stop` or after an `error` event.
 *
 * @example
 * const message = await aggregateEventStream(body, new AnthropicStreamAggregator());
 */
export class AnthropicStreamAggregator implements StreamAggregator<AnthropicMessage> {
  private message: AnthropicMessage = {
    id: '',
    type: 'message',
    role: 'assistant',
    model: '',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 },
  };
  private readonly json = new Map<number, string>();
  private done = false;
  private upstreamError: JsonObject | undefined;

  push(event: SseEvent): void {
    if (this.done || this.upstreamError !== undefined) return;
    const data = parseObject(event.data);
    if (data === undefined) return;
    const index = typeof data.index === 'number' ? data.index : 0;
    switch (data.type ?? event.event) {
      case 'message_start':
        if (isObject(data.message)) {
          this.message = { ...this.message, ...(data.message as Partial<AnthropicMessage>), content: [] };
        }
        return;
      case 'content_block_start':
        if (isObject(data.content_block))
          this.message.content[index] = structuredClone(data.content_block) as AnthropicContentBlock;
        return;
      case 'content_block_delta':
        if (isObject(data.delta)) this.applyDelta(index, data.delta);
        return;
      case 'content_block_stop':
        this.closeBlock(index);
        return;
      case 'message_delta':
        if (isObject(data.delta)) {
          if (data.delta.stop_reason !== undefined)
            this.message.stop_reason = data.delta.stop_reason as string | null;
          if (data.delta.stop_sequence !== undefined)
            this.message.stop_sequence = data.delta.stop_sequence as string | null;
        }
        if (isObject(data.usage)) {
          for (const [key, value] of Object.entries(data.usage)) {
            // Cumulative totals: replace, never add; a 0 or null must not erase message_start's count.
            if (typeof value !== 'number') continue;
            if (key === 'output_tokens' || value !== 0 || !(key in this.message.usage))
              this.message.usage[key] = value;
          }
        }
        return;
      case 'message_stop':
        this.done = true;
        return;
      case 'error':
        this.upstreamError = data;
        return;
      default:
        return;
    }
  }

  finish(): AnthropicMessage {
    const message = { ...this.message, content: this.message.content.filter((block) => block !== undefined) };
    if (this.upstreamError !== undefined)
      throw new IncompleteStreamError('upstream_error', message, this.upstreamError.error);
    if (!this.done) throw new IncompleteStreamError('cut', message);
    return message;
  }

  private applyDelta(index: number, delta: JsonObject): void {
    const block = this.message.content[index] as Record<string, unknown> | undefined;
    if (block === undefined) return;
    if (delta.type === 'text_delta' && str(delta.text)) block.text = String(block.text ?? '') + delta.text;
    else if (delta.type === 'thinking_delta' && str(delta.thinking))
      block.thinking = String(block.thinking ?? '') + delta.thinking;
    else if (delta.type === 'signature_delta' && str(delta.signature)) block.signature = delta.signature;
    else if (delta.type === 'input_json_delta' && str(delta.partial_json)) {
      this.json.set(index, (this.json.get(index) ?? '') + delta.partial_json);
    }
  }

  private closeBlock(index: number): void {
    const text = this.json.get(index);
    const block = this.message.content[index] as Record<string, unknown> | undefined;
    if (text === undefined || block === undefined) return;
    this.json.delete(index);
    if (text.trim() === '') return;
    try {
      block.input = JSON.parse(text);
    } catch {
      // A tool input cut by max_tokens stays the empty object its block started with.
    }
  }
}
