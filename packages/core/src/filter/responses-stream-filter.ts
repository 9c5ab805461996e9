import type { GatewayError } from '../errors.js';
import { eventStreamEvents } from '../streaming/event-stream.js';
import type { BodyTransform, JsonObject } from '../types.js';
import type { ContentScanner } from './content-scanner.js';
import { contentFilterStop, type FilterMatchListener } from './event-stream-filter.js';
import { isObject, parseObject, readDataEvent, rebuildEvent } from './sse-event.js';
import { type AnswerAction, TextStreamFilter } from './text-stream-filter.js';

const encoder = new TextEncoder();

/** One `output_text` part of the answer, keyed by its output and content index. */
interface Part {
  filter: TextStreamFilter;
  itemId: unknown;
  outputIndex: number;
  contentIndex: number;
  /** The text released so far: what the client has of this part. */
  released: string;
  /** True once a delta came for it (held text then goes out as an extra delta event). */
  streamed: boolean;
  /** True once its text is final: summary events then carry exactly `released`. */
  final: boolean;
}

/** Events that repeat whole texts: the filter replaces them with what the deltas released. */
const summaryEvents = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * A response transform for Responses API event streams (`POST /v1/responses`, `event:` lines,
 * no `[DONE]`). It filters `response.output_text.delta` per output part across events, like the
 * chat filter, and rewrites the events that repeat the whole text (`response.output_text.done`,
 * `response.content_part.done`, `response.output_item.done`, `response.completed`) to carry
 * exactly the text the deltas released, so a masked word cannot come back in a summary. Text
 * still held when a part ends goes out first as an extra delta event. `stop` ends the stream
 * with `response.incomplete` (`incomplete_details.reason: "content_filter"`), then an `error`
 * event with code `content_filter`, and releases the upstream.
 *
 * @example
 * context.transforms.push(filterResponsesStream(scanner, 'mask', () => {}));
 */
export function filterResponsesStream(
  scanner: ContentScanner,
  action: AnswerAction,
  onMatch: FilterMatchListener,
): BodyTransform {
  return async function* filtered(source) {
    const parts = new Map<number, Part>();
    let snapshot: JsonObject = {};
    let sequence = 0;
    let reported = false;
    const report = (matched: readonly string[]) => {
      if (reported || matched.length === 0) return;
      reported = true;
      onMatch(action, matched);
    };

    const partOf = (outputIndex: unknown, contentIndex: unknown, itemId?: unknown): Part => {
      const output = typeof outputIndex === 'number' ? outputIndex : 0;
      const content = typeof contentIndex === 'number' ? contentIndex : 0;
      const key = output * 0x10000 + content;
      let part = parts.get(key);
      if (part === undefined) {
        part = {
          filter: new TextStreamFilter(scanner, action),
          itemId,
          outputIndex: output,
          contentIndex: content,
          released: '',
          streamed: false,
          final: false,
        };
        parts.set(key, part);
      } else if (part.itemId === undefined) part.itemId = itemId;
      return part;
    };

    /**
     * Makes a part's text final: releases what its filter holds (as an extra delta event into
     * `pending` when the part was streamed), or filters `text` whole when no delta came.
     * Returns true when the answer must stop.
     */
    const settle = (part: Part, text: unknown, pending: Uint8Array[]): boolean => {
      if (part.final) return false;
      part.final = true;
      const piece = part.filter.push(part.streamed || typeof text !== 'string' ? '' : text, true);
      report(piece.matched);
      if (piece.text.length > 0 && part.streamed) pending.push(deltaEvent(part, piece.text, sequence));
      part.released += piece.text;
      return piece.stopped;
    };

    /** The events that end a stopped answer. */
    function* stop(pending: readonly Uint8Array[]): Generator<Uint8Array> {
      yield* pending;
      const response = {
        ...snapshot,
        status: 'incomplete',
        incomplete_details: { reason: 'content_filter' },
        output: outputOf(parts),
      };
      yield namedEvent('response.incomplete', {
        type: 'response.incomplete',
        sequence_number: sequence + 1,
        response,
      });
      yield responsesErrorEvent(contentFilterStop(), sequence + 2);
    }

    /** Settles the `output_text` parts of one output item; `stop` when the answer must end. */
    function settleItem(item: unknown, outputIndex: unknown, pending: Uint8Array[]) {
      if (!isObject(item) || !Array.isArray(item.content)) return 'same';
      let outcome: 'same' | 'changed' = 'same';
      for (let index = 0; index < item.content.length; index++) {
        const content: unknown = item.content[index];
        if (!isObject(content) || content.type !== 'output_text') continue;
        const part = partOf(outputIndex, index, item.id);
        if (settle(part, content.text, pending)) return 'stop';
        if (replaceText(content, part.released)) outcome = 'changed';
      }
      return outcome;
    }

    for await (const event of eventStreamEvents(source)) {
      const parsed = readDataEvent(event);
      const data = parsed === undefined ? undefined : parseObject(parsed.payload);
      if (parsed === undefined || data === undefined) {
        yield event;
        continue;
      }
      if (typeof data.sequence_number === 'number') sequence = data.sequence_number;
      const type = data.type;
      const pending: Uint8Array[] = [];
      let changed = false;

      if (type === 'response.output_text.delta') {
        const delta = data.delta;
        if (typeof delta !== 'string') {
          yield event;
          continue;
        }
        const part = partOf(data.output_index, data.content_index, data.item_id);
        part.streamed = true;
        const piece = part.filter.push(delta, false);
        report(piece.matched);
        part.released += piece.text;
        if (piece.stopped) {
          if (piece.text.length > 0) pending.push(deltaEvent(part, piece.text, sequence));
          yield* stop(pending);
          return;
        }
        if (piece.text !== delta) {
          data.delta = piece.text;
          changed = true;
        }
      } else if (type === 'response.output_text.done') {
        const part = partOf(data.output_index, data.content_index, data.item_id);
        if (settle(part, data.text, pending)) {
          yield* stop(pending);
          return;
        }
        if (typeof data.text === 'string' && data.text !== part.released) {
          data.text = part.released;
          changed = true;
        }
      } else if (type === 'response.content_part.done') {
        const part = data.part;
        if (isObject(part) && part.type === 'output_text') {
          const state = partOf(data.output_index, data.content_index, data.item_id);
          if (settle(state, part.text, pending)) {
            yield* stop(pending);
            return;
          }
          changed = replaceText(part, state.released);
        }
      } else if (type === 'response.output_item.done') {
        const outcome = settleItem(data.item, data.output_index, pending);
        if (outcome === 'stop') {
          yield* stop(pending);
          return;
        }
        changed = outcome === 'changed';
      } else if (typeof type === 'string' && summaryEvents.has(type) && isObject(data.response)) {
        snapshot = data.response;
        const output = snapshot.output;
        if (Array.isArray(output)) {
          for (let index = 0; index < output.length; index++) {
            const outcome = settleItem(output[index], index, pending);
            if (outcome === 'stop') {
              yield* stop(pending);
              return;
            }
            if (outcome === 'changed') changed = true;
          }
        }
        for (const part of parts.values()) settle(part, undefined, pending);
      } else if (isObject(data.response)) {
        snapshot = data.response; // response.created, response.in_progress: the stop event's base
      }
      yield* pending;
      yield changed ? encoder.encode(rebuildEvent(parsed, data)) : event;
    }
    const pending: Uint8Array[] = [];
    for (const part of parts.values()) settle(part, undefined, pending);
    yield* pending;
  };
}

function replaceText(holder: JsonObject, text: string): boolean {
  if (holder.text === text) return false;
  holder.text = text;
  return true;
}

function deltaEvent(part: Part, text: string, sequence: number): Uint8Array {
  return namedEvent('response.output_text.delta', {
    type: 'response.output_text.delta',
    sequence_number: sequence,
    item_id: part.itemId,
    output_index: part.outputIndex,
    content_index: part.contentIndex,
    delta: text,
  });
}

function namedEvent(name: string, data: JsonObject): Uint8Array {
  return encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * An error event of the Responses API (`type`, `code`, `message`, `param` at the top level),
 * also carrying the OpenAI-shaped `error` object, which the official clients raise.
 */
export function responsesErrorEvent(error: GatewayError, sequence: number): Uint8Array {
  const body = error.toJSON().error;
  return namedEvent('error', {
    type: 'error',
    sequence_number: sequence,
    code: body.code,
    message: body.message,
    param: body.param,
    error: body,
  });
}

/** What the client has of the answer, for the `response.incomplete` event of a stop. */
function outputOf(parts: ReadonlyMap<number, Part>): JsonObject[] {
  const items = new Map<number, JsonObject>();
  for (const key of [...parts.keys()].sort((left, right) => left - right)) {
    const part = parts.get(key) as Part;
    let item = items.get(part.outputIndex);
    if (item === undefined) {
      item = { type: 'message', id: part.itemId, status: 'incomplete', role: 'assistant', content: [] };
      items.set(part.outputIndex, item);
    }
    (item.content as JsonObject[]).push({ type: 'output_text', text: part.released, annotations: [] });
  }
  return [...items.values()];
}
