import { isObject, parseObject } from '../filter/sse-event.js';
import type { JsonObject } from '../types.js';
import { IncompleteStreamError } from './incomplete-stream-error.js';
import type { SseEvent } from './sse-message.js';
import type { StreamAggregator } from './stream-converter.js';

/** A Responses API `response` object (the fields the conversions touch are typed). */
export interface ResponseObject {
  id: string;
  object: 'response';
  status: string;
  output: JsonObject[];
  [key: string]: unknown;
}

const terminalEvents = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const str = (value: unknown): value is string => typeof value === 'string';

/**
 * Builds the `response` object from a Responses API stream. The terminal event
 * (`response.completed`, `.incomplete` or `.failed`) carries the whole object and wins; the
 * output items are also assembled from `output_item.*`, `content_part.*`, text, refusal,
 * function-call-argument and reasoning-summary deltas, so a terminal event with an empty
 * `output` (some compatible providers) still gives the answer. A stream cut before a terminal
 * event, or carrying an `error` event, makes `finish()` throw `IncompleteStreamError` with the
 * assembled object (status `in_progress`) as `partial`.
 *
 * @example
 * const response = await aggregateEventStream(body, new ResponsesStreamAggregator());
 */
export class ResponsesStreamAggregator implements StreamAggregator<ResponseObject> {
  private snapshot: JsonObject = {};
  private readonly items: JsonObject[] = [];
  private terminal: JsonObject | undefined;
  private upstreamError: JsonObject | undefined;

  push(event: SseEvent): void {
    if (this.terminal !== undefined || this.upstreamError !== undefined) return;
    const data = parseObject(event.data);
    if (data === undefined) return;
    const type = str(data.type) ? data.type : event.event;
    if (type === 'error') {
      this.upstreamError = data;
      return;
    }
    if (type === undefined) return;
    if (type === 'response.created' || type === 'response.in_progress' || type === 'response.queued') {
      if (isObject(data.response)) this.snapshot = data.response;
      return;
    }
    if (terminalEvents.has(type)) {
      if (isObject(data.response)) this.terminal = data.response;
      return;
    }
    this.apply(type, data);
  }

  finish(): ResponseObject {
    if (this.terminal !== undefined) {
      const output = this.terminal.output;
      if (Array.isArray(output) && (output.length > 0 || this.items.length === 0)) {
        return this.terminal as ResponseObject;
      }
      return { ...this.terminal, output: this.assembled() } as ResponseObject;
    }
    const partial = { ...this.snapshot, status: 'in_progress', output: this.assembled() } as ResponseObject;
    if (this.upstreamError !== undefined)
      throw new IncompleteStreamError('upstream_error', partial, this.upstreamError);
    throw new IncompleteStreamError('cut', partial);
  }

  private assembled(): JsonObject[] {
    return this.items.filter((item) => item !== undefined);
  }

  private apply(type: string, data: JsonObject): void {
    const outputIndex = typeof data.output_index === 'number' ? data.output_index : 0;
    if (type === 'response.output_item.added' || type === 'response.output_item.done') {
      if (isObject(data.item)) this.items[outputIndex] = structuredClone(data.item);
      return;
    }
    const item = this.items[outputIndex];
    if (item === undefined) return;
    const contentIndex = typeof data.content_index === 'number' ? data.content_index : 0;
    const content = Array.isArray(item.content) ? (item.content as JsonObject[]) : undefined;
    const part = content?.[contentIndex];
    switch (type) {
      case 'response.content_part.added':
      case 'response.content_part.done':
        if (isObject(data.part) && content !== undefined) content[contentIndex] = structuredClone(data.part);
        return;
      case 'response.output_text.delta':
        if (part !== undefined && str(data.delta)) part.text = (str(part.text) ? part.text : '') + data.delta;
        return;
      case 'response.output_text.done':
        if (part !== undefined && str(data.text)) part.text = data.text;
        return;
      case 'response.output_text.annotation.added':
        if (part !== undefined && data.annotation !== undefined) {
          part.annotations = [...(Array.isArray(part.annotations) ? part.annotations : []), data.annotation];
        }
        return;
      case 'response.refusal.delta':
        if (part !== undefined && str(data.delta))
          part.refusal = (str(part.refusal) ? part.refusal : '') + data.delta;
        return;
      case 'response.refusal.done':
        if (part !== undefined && str(data.refusal)) part.refusal = data.refusal;
        return;
      case 'response.function_call_arguments.delta':
        if (str(data.delta)) item.arguments = (str(item.arguments) ? item.arguments : '') + data.delta;
        return;
      case 'response.function_call_arguments.done':
        if (str(data.arguments)) item.arguments = data.arguments;
        return;
      default:
        this.applySummary(type, item, data);
    }
  }

  private applySummary(type: string, item: JsonObject, data: JsonObject): void {
    if (!type.startsWith('response.reasoning_summary_')) return;
    const index = typeof data.summary_index === 'number' ? data.summary_index : 0;
    const summary = Array.isArray(item.summary) ? (item.summary as JsonObject[]) : [];
    item.summary = summary;
    if ((type.endsWith('part.added') || type.endsWith('part.done')) && isObject(data.part)) {
      summary[index] = structuredClone(data.part);
      return;
    }
    const part = summary[index];
    if (part === undefined) return;
    if (type.endsWith('text.delta') && str(data.delta))
      part.text = (str(part.text) ? part.text : '') + data.delta;
    if (type.endsWith('text.done') && str(data.text)) part.text = data.text;
  }
}
