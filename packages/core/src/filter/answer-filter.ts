import type { BodyTransform, JsonObject } from '../types.js';
import type { ContentScanner } from './content-scanner.js';
import type { FilterMatchListener } from './event-stream-filter.js';
import { isObject } from './sse-event.js';
import { type AnswerAction, TextStreamFilter } from './text-stream-filter.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A response transform for whole (non-stream) answers: it reads the JSON answer, filters
 * `choices[].message.content` (chat), `choices[].text` (completions) or the `output_text` parts
 * of `output[].content[]` (Responses API), and sends it on, re-encoded only when something
 * changed. `stop` keeps the text before the first match and sets `finish_reason` to
 * `content_filter` (chat, completions), or ends the output there with `status: "incomplete"` and
 * `incomplete_details.reason: "content_filter"` (Responses API).
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
    const matched: string[] = [];
    const choices = isObject(answer) ? answer.choices : undefined;
    const output = isObject(answer) ? answer.output : undefined;
    let changed = false;
    if (Array.isArray(choices)) changed = filterChoices(choices, scanner, action, matched);
    else if (isObject(answer) && Array.isArray(output))
      changed = filterOutput(answer, output, scanner, action, matched);
    if (matched.length > 0) onMatch(action, [...new Set(matched)]);
    yield changed ? encoder.encode(JSON.stringify(answer)) : bytes;
  };
}

function filterChoices(
  choices: unknown[],
  scanner: ContentScanner,
  action: AnswerAction,
  matched: string[],
): boolean {
  let changed = false;
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
  return changed;
}

/** The Responses API: parts in order; a stop ends the output at the part it cut. */
function filterOutput(
  answer: JsonObject,
  output: unknown[],
  scanner: ContentScanner,
  action: AnswerAction,
  matched: string[],
): boolean {
  let changed = false;
  for (let itemIndex = 0; itemIndex < output.length; itemIndex++) {
    const item = output[itemIndex];
    if (!isObject(item) || !Array.isArray(item.content)) continue;
    for (let partIndex = 0; partIndex < item.content.length; partIndex++) {
      const part: unknown = item.content[partIndex];
      if (!isObject(part) || part.type !== 'output_text' || typeof part.text !== 'string') continue;
      const piece = new TextStreamFilter(scanner, action).push(part.text, true);
      matched.push(...piece.matched);
      if (piece.text !== part.text) {
        part.text = piece.text;
        changed = true;
      }
      if (piece.stopped) {
        item.content.length = partIndex + 1;
        item.status = 'incomplete';
        output.length = itemIndex + 1;
        answer.status = 'incomplete';
        answer.incomplete_details = { reason: 'content_filter' };
        return true;
      }
    }
  }
  return changed;
}
