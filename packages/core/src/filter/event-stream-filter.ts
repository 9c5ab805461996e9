import { errorEvent, GatewayError } from '../errors.js';
import { eventStreamEvents } from '../streaming/event-stream.js';
import type { BodyTransform, JsonObject } from '../types.js';
import type { ContentScanner } from './content-scanner.js';
import { isObject, parseObject, readDataEvent, rebuildEvent } from './sse-event.js';
import { type AnswerAction, TextStreamFilter } from './text-stream-filter.js';

const encoder = new TextEncoder();

/** The error event that ends a stream the filter stopped. */
export const contentFilterStop = () =>
  new GatewayError('content_filter', 'The answer was stopped by the content filter.');

/** Called once per stream, on its first match. */
export type FilterMatchListener = (action: AnswerAction, matched: readonly string[]) => void;

interface ChoiceText {
  choice: JsonObject;
  /** Where the text lives: `choice.delta.content` (chat) or `choice.text` (completions). */
  holder: JsonObject;
  field: 'content' | 'text';
  text: string | undefined;
}

/**
 * A response transform for OpenAI event streams (chat and completions): it filters the text of
 * `choices[].delta.content` (or `choices[].text`) across consecutive events and re-emits the
 * events, unchanged byte for byte when nothing changed. Held-back text goes out with the next
 * event of its choice, at the latest with the one carrying `finish_reason`, or in an extra
 * chunk before `[DONE]`. `stop` ends the stream with a chunk whose `finish_reason` is
 * `content_filter`, then an error event, and releases the upstream.
 *
 * @example
 * context.transforms.push(filterEventStream(scanner, 'mask', () => {}));
 */
export function filterEventStream(
  scanner: ContentScanner,
  action: AnswerAction,
  onMatch: FilterMatchListener,
): BodyTransform {
  return async function* filtered(source) {
    const choices = new Map<number, TextStreamFilter>();
    let last: JsonObject = {};
    let reported = false;
    const report = (matched: readonly string[]) => {
      if (reported || matched.length === 0) return;
      reported = true;
      onMatch(action, matched);
    };

    /** Chunks carrying whatever the choices still hold, for the end of the stream. */
    function* flush(): Generator<Uint8Array> {
      for (const [index, filter] of choices) {
        if (!filter.holding) continue;
        const piece = filter.push('', true);
        report(piece.matched);
        if (piece.text.length === 0) continue;
        const template = templateOf(last);
        const choice =
          template.object === 'text_completion'
            ? { index, text: piece.text, finish_reason: null }
            : { index, delta: { content: piece.text }, finish_reason: null };
        yield encoder.encode(`data: ${JSON.stringify({ ...template, choices: [choice] })}\n\n`);
      }
      choices.clear();
    }

    for await (const event of eventStreamEvents(source)) {
      const parsed = readDataEvent(event);
      if (parsed === undefined) {
        yield event;
        continue;
      }
      if (parsed.payload.trimEnd() === '[DONE]') {
        yield* flush();
        yield event;
        continue;
      }
      const chunk = parseObject(parsed.payload);
      if (chunk === undefined || !Array.isArray(chunk.choices)) {
        yield event;
        continue;
      }
      last = chunk;
      let changed = false;
      for (let position = 0; position < chunk.choices.length; position++) {
        const found = choiceText(chunk.choices[position]);
        if (found === undefined) continue;
        const index = typeof found.choice.index === 'number' ? found.choice.index : position;
        const final = found.choice.finish_reason !== null && found.choice.finish_reason !== undefined;
        let filter = choices.get(index);
        if (found.text === undefined && !(final && filter?.holding)) continue;
        if (filter === undefined) {
          filter = new TextStreamFilter(scanner, action);
          choices.set(index, filter);
        }
        const piece = filter.push(found.text ?? '', final);
        report(piece.matched);
        if (final) choices.delete(index);
        if (piece.stopped) {
          found.holder[found.field] = piece.text;
          found.choice.finish_reason = 'content_filter';
          chunk.choices = [found.choice];
          yield encoder.encode(rebuildEvent(parsed, chunk));
          yield errorEvent(contentFilterStop());
          return;
        }
        if (piece.text !== found.text && !(piece.text === '' && found.text === undefined)) {
          found.holder[found.field] = piece.text;
          changed = true;
        }
      }
      yield changed ? encoder.encode(rebuildEvent(parsed, chunk)) : event;
    }
    yield* flush();
  };
}

function choiceText(choice: unknown): ChoiceText | undefined {
  if (!isObject(choice)) return undefined;
  const delta = choice.delta;
  if (isObject(delta)) {
    const content = delta.content;
    return {
      choice,
      holder: delta,
      field: 'content',
      text: typeof content === 'string' ? content : undefined,
    };
  }
  if (typeof choice.text === 'string') return { choice, holder: choice, field: 'text', text: choice.text };
  return undefined;
}

/** The fields an extra chunk copies from the stream's chunks (id, model, ...). */
function templateOf(chunk: JsonObject): JsonObject {
  const template: JsonObject = {};
  for (const field of ['id', 'object', 'created', 'model', 'system_fingerprint']) {
    if (chunk[field] !== undefined) template[field] = chunk[field];
  }
  return template;
}
