import type { AnswerTextFilter, JsonObject, TextPieceFilter } from '../types.js';

/** Text deltas of a Realtime or Responses session, and the field that carries their text. */
export const textDeltaTypes: ReadonlyMap<string, string> = new Map([
  ['response.output_text.delta', 'delta'],
  ['response.output_audio_transcript.delta', 'delta'],
]);
/** Events that repeat a part's whole text once it is done. */
export const textDoneTypes: ReadonlySet<string> = new Set([
  'response.output_text.done',
  'response.output_audio_transcript.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.done',
  // The Responses WebSocket mode ends a response with these.
  'response.completed',
  'response.incomplete',
]);

/** Realtime events name their response; the Responses mode's deltas do not (one response at a time). */
const responseOf = (value: unknown) => (typeof value === 'string' ? value : '');

interface Part {
  filter: TextPieceFilter;
  /** What went out so far: what the done events must repeat. */
  released: string;
  last: JsonObject;
}

/** The frames to send instead of one upstream frame, and whether the answer must stop. */
export interface FilteredFrames {
  frames: string[];
  stop: { responseId: string; matched: readonly string[] } | undefined;
}

/**
 * The content filter on a WebSocket session's answers, with the SSE stream's semantics: each
 * text part (response, item, content index) has its own `TextStreamFilter`, which holds back
 * only a tail that could still complete a match. `mask` rewrites the delta frames (a held tail
 * goes out in one more delta before the part's done event); `stop` sends the text before the
 * match, and the session then cancels the response. The done events that repeat a part's whole
 * text are rewritten to what the deltas released. Audio is not filtered.
 */
export class RealtimeTextFilter {
  private readonly parts = new Map<string, Part>();
  private readonly stopped = new Set<string>();

  constructor(private readonly filter: AnswerTextFilter) {}

  /** True when frames of this response are dropped (it was stopped). */
  isStopped(responseId: unknown): boolean {
    return this.stopped.has(responseOf(responseId));
  }

  private hasParts(responseId: string): boolean {
    for (const key of this.parts.keys()) if (key.startsWith(`${responseId}\u0000`)) return true;
    return false;
  }

  delta(event: JsonObject, field: string): FilteredFrames {
    const responseId = responseOf(event.response_id);
    if (this.stopped.has(responseId)) return { frames: [], stop: undefined };
    const key = partKey(responseId, event.item_id, event.content_index);
    let part = this.parts.get(key);
    if (part === undefined) {
      part = { filter: this.filter.create(), released: '', last: event };
      this.parts.set(key, part);
    }
    part.last = event;
    const piece = typeof event[field] === 'string' ? (event[field] as string) : '';
    const out = part.filter.push(piece, false);
    if (out.matched.length > 0) this.filter.matched(out.stopped ? 'stop' : 'mask', out.matched);
    part.released += out.text;
    const frames = out.text === '' ? [] : [JSON.stringify({ ...event, [field]: out.text })];
    if (!out.stopped) return { frames, stop: undefined };
    this.stopped.add(responseId);
    return { frames, stop: { responseId, matched: out.matched } };
  }

  /** A done event: the held tail of its part(s) first, then the event with the released text. */
  done(type: string, event: JsonObject): string[] {
    const frames: string[] = [];
    const final = type === 'response.done' || type === 'response.completed' || type === 'response.incomplete';
    const named = final
      ? responseOf((event.response as JsonObject | undefined)?.id)
      : responseOf(event.response_id);
    // The Responses mode's parts were keyed without a response id.
    const responseId = final && !this.hasParts(named) ? '' : named;
    const flush = (key: string): string | undefined => {
      const part = this.parts.get(key);
      if (part === undefined) return undefined;
      if (!this.stopped.has(responseId)) {
        const tail = part.filter.push('', true);
        if (tail.matched.length > 0) this.filter.matched('mask', tail.matched);
        if (tail.text !== '') {
          part.released += tail.text;
          const field = textDeltaTypes.get(String(part.last.type)) ?? 'delta';
          frames.push(JSON.stringify({ ...part.last, [field]: tail.text }));
        }
      }
      return part.released;
    };
    const rewriteContent = (itemId: unknown, content: unknown) => {
      if (!Array.isArray(content)) return;
      content.forEach((part, index) => {
        if (typeof part !== 'object' || part === null) return;
        const released = flush(partKey(responseId, itemId, index));
        if (released === undefined) return;
        const record = part as JsonObject;
        if (typeof record.text === 'string') record.text = released;
        if (typeof record.transcript === 'string') record.transcript = released;
      });
    };
    if (type === 'response.output_text.done' || type === 'response.output_audio_transcript.done') {
      const released = flush(partKey(responseId, event.item_id, event.content_index));
      const field = type === 'response.output_text.done' ? 'text' : 'transcript';
      if (released !== undefined) event[field] = released;
    } else if (type === 'response.content_part.done') {
      const released = flush(partKey(responseId, event.item_id, event.content_index));
      const part = event.part as JsonObject | undefined;
      if (released !== undefined && part !== undefined) {
        if (typeof part.text === 'string') part.text = released;
        if (typeof part.transcript === 'string') part.transcript = released;
      }
    } else if (type === 'response.output_item.done') {
      const item = event.item as JsonObject | undefined;
      rewriteContent(item?.id, item?.content);
    } else {
      const output = (event.response as JsonObject | undefined)?.output;
      if (Array.isArray(output))
        for (const item of output) rewriteContent((item as JsonObject)?.id, (item as JsonObject)?.content);
      // The response is over: its parts are not needed any more.
      for (const key of this.parts.keys()) if (key.startsWith(`${responseId}\u0000`)) this.parts.delete(key);
      this.stopped.delete(named);
      this.stopped.delete(responseId);
    }
    frames.push(JSON.stringify(event));
    return frames;
  }
}

const partKey = (responseId: string, itemId: unknown, contentIndex: unknown) =>
  `${responseId}\u0000${String(itemId)}\u0000${String(contentIndex ?? 0)}`;
