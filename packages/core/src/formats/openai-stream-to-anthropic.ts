import { isObject, parseObject } from '../filter/sse-event.js';
import type { JsonObject } from '../types.js';
import { openaiErrorToAnthropic } from './error-mapping.js';
import type { SseEvent } from './sse-message.js';
import { openaiFinishToAnthropic } from './stop-reasons.js';
import type { StreamConverter } from './stream-converter.js';
import { openaiUsageToAnthropic } from './usage-mapping.js';

type BlockKind = 'text' | 'thinking' | 'tool';

const str = (value: unknown): value is string => typeof value === 'string';

/**
 * Converts a Chat Completions stream (choice 0) into Anthropic's event sequence:
 * `message_start` on the first chunk; reasoning (`reasoning_content` or `reasoning`) as a
 * thinking block, content and refusal as a text block, each tool call as a `tool_use` block
 * whose argument pieces are `input_json_delta`s, each block opened with `content_block_start`
 * and closed with `content_block_stop` before the next opens; at `[DONE]`, `message_delta` with
 * the stop reason and the usage (input tokens are known only then, which Anthropic's SDKs read
 * from `message_delta`) and `message_stop`. `data: {"error":...}` becomes an `error` event, and
 * a stream that ends before `[DONE]` ends with an `error` event too (`failed` is then true).
 * Argument pieces for a tool whose block is already closed (interleaved parallel calls) still go
 * to its index, which the SDKs accumulate by index.
 *
 * @example
 * const converter = new OpenAIStreamToAnthropic();
 * for (const event of converter.push({ data: chunkJson })) write(encodeSseEvent(event));
 */
export class OpenAIStreamToAnthropic implements StreamConverter {
  private started = false;
  private finished = false;
  private errored = false;
  private open: { kind: BlockKind; index: number } | undefined;
  private blocks = 0;
  /** OpenAI tool-call index → Anthropic block index. */
  private readonly tools = new Map<number, number>();
  private finishReason: string | null = null;
  private refused = false;
  private usage: JsonObject | undefined;

  get failed(): boolean {
    return this.errored;
  }

  push(event: SseEvent): SseEvent[] {
    if (this.finished || this.errored) return [];
    if (event.data === '[DONE]') return this.done();
    const chunk = parseObject(event.data);
    if (chunk === undefined) return [];
    if (chunk.error !== undefined) {
      this.errored = true;
      return [anthropicEvent('error', openaiErrorToAnthropic(500, chunk).body)];
    }
    const out: SseEvent[] = [];
    if (!this.started) out.push(this.start(chunk));
    if (isObject(chunk.usage)) this.usage = chunk.usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = choices.find((entry) => isObject(entry) && (entry.index ?? 0) === 0);
    if (!isObject(choice)) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = str(delta.reasoning_content) ? delta.reasoning_content : delta.reasoning;
    if (str(reasoning) && reasoning !== '') {
      this.openBlock(out, 'thinking', { type: 'thinking', thinking: '' });
      out.push(this.delta(this.open?.index ?? 0, { type: 'thinking_delta', thinking: reasoning }));
    }
    for (const [text, refusal] of [
      [delta.content, false],
      [delta.refusal, true],
    ] as const) {
      if (!str(text) || text === '') continue;
      if (refusal) this.refused = true;
      this.openBlock(out, 'text', { type: 'text', text: '' });
      out.push(this.delta(this.open?.index ?? 0, { type: 'text_delta', text }));
    }
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((call, position) => {
        if (isObject(call)) this.toolDelta(out, call, position);
      });
    }
    if (str(choice.finish_reason)) {
      this.finishReason = choice.finish_reason;
      this.closeBlock(out);
    }
    return out;
  }

  end(): SseEvent[] {
    if (this.finished || this.errored) return [];
    this.errored = true;
    const error = { type: 'api_error', message: 'The upstream stream ended before it was complete.' };
    return [anthropicEvent('error', { type: 'error', error })];
  }

  private start(chunk: JsonObject): SseEvent {
    this.started = true;
    return anthropicEvent('message_start', {
      type: 'message_start',
      message: {
        id: str(chunk.id) ? chunk.id : '',
        type: 'message',
        role: 'assistant',
        model: str(chunk.model) ? chunk.model : '',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  private toolDelta(out: SseEvent[], call: JsonObject, position: number): void {
    const toolIndex = typeof call.index === 'number' ? call.index : position;
    const fn = isObject(call.function) ? call.function : {};
    let index = this.tools.get(toolIndex);
    if (index === undefined) {
      this.closeBlock(out);
      index = this.blocks++;
      this.tools.set(toolIndex, index);
      this.open = { kind: 'tool', index };
      const block = {
        type: 'tool_use',
        id: str(call.id) ? call.id : '',
        name: str(fn.name) ? fn.name : '',
        input: {},
      };
      out.push(
        anthropicEvent('content_block_start', { type: 'content_block_start', index, content_block: block }),
      );
    }
    if (str(fn.arguments) && fn.arguments !== '') {
      out.push(this.delta(index, { type: 'input_json_delta', partial_json: fn.arguments }));
    }
  }

  private openBlock(out: SseEvent[], kind: 'text' | 'thinking', block: JsonObject): void {
    if (this.open?.kind === kind) return;
    this.closeBlock(out);
    const index = this.blocks++;
    this.open = { kind, index };
    out.push(
      anthropicEvent('content_block_start', { type: 'content_block_start', index, content_block: block }),
    );
  }

  private closeBlock(out: SseEvent[]): void {
    if (this.open === undefined) return;
    out.push(anthropicEvent('content_block_stop', { type: 'content_block_stop', index: this.open.index }));
    this.open = undefined;
  }

  private delta(index: number, delta: JsonObject): SseEvent {
    return anthropicEvent('content_block_delta', { type: 'content_block_delta', index, delta });
  }

  private done(): SseEvent[] {
    const out: SseEvent[] = [];
    if (!this.started) out.push(this.start({}));
    this.closeBlock(out);
    this.finished = true;
    const stop = this.refused ? 'refusal' : openaiFinishToAnthropic(this.finishReason, this.tools.size > 0);
    out.push(
      anthropicEvent('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stop, stop_sequence: null },
        usage: openaiUsageToAnthropic(this.usage),
      }),
    );
    out.push(anthropicEvent('message_stop', { type: 'message_stop' }));
    return out;
  }
}

const anthropicEvent = (name: string, data: unknown): SseEvent => ({
  event: name,
  data: JSON.stringify(data),
});
