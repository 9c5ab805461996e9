import type { BodyTransform, JsonObject } from '../types.js';
import type { ContentScanner } from './content-scanner.js';
import type { FilterMatchListener } from './event-stream-filter.js';
import { type AnswerAction, TextStreamFilter } from './text-stream-filter.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A response transform for whole (non-stream) chat and completions answers: it reads the JSON
 * answer, filters `choices[].message.content` and `choices[].text`, and sends it on, re-encoded
 * only when something changed. `stop` keeps the text before the first match and sets
 * `finish_reason` to `content_filter`.
 *
 * @example
 * context.transforms.push(filterAnswer(scanner, 'mask', () => {}));
 */
export function filterAnswer(
  scanner: ContentScanner,
  action: AnswerAction,
  onMatch: FilterMatchListener,
): BodyTransform {
  return async function* filtered(source) {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of source) {
      chunks.push(chunk);
      size += chunk.byteLength;
    }
    const bytes = Buffer.concat(chunks, size);
    let answer: unknown;
    try {
      answer = JSON.parse(decoder.decode(bytes));
    } catch {
      yield bytes;
      return;
    }
    const choices = isObject(answer) ? answer.choices : undefined;
    if (!Array.isArray(choices)) {
      yield bytes;
      return;
    }
    let changed = false;
    const matched: string[] = [];
    for (const choice of choices) {
      if (!isObject(choice)) continue;
      const message = choice.message;
      const holder = isObject(message) ? message : choice;
      const field = isObject(message) ? 'content' : 'text';
      const text = holder[field];
      if (typeof text !== 'string') continue;
      const piece = new TextStreamFilter(scanner, action).push(text, true);
      matched.push(...piece.matched);
      if (piece.stopped) choice.finish_reason = 'content_filter';
      if (piece.text !== text || piece.stopped) {
        holder[field] = piece.text;
        changed = true;
      }
    }
    if (matched.length > 0) onMatch(action, [...new Set(matched)]);
    yield changed ? encoder.encode(JSON.stringify(answer)) : bytes;
  };
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
