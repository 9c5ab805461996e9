import type { JsonObject } from '../types.js';
import type { ResponseObject } from './responses-stream-aggregator.js';
import type { SseEvent } from './sse-message.js';

const terminalByStatus: Record<string, string> = {
  completed: 'response.completed',
  incomplete: 'response.incomplete',
  failed: 'response.failed',
};

/**
 * A `response` object as the Responses API event stream a client asked for: `response.created`,
 * `response.in_progress`, then per output item `output_item.added`, its parts
 * (`content_part.added`, `output_text.delta`, annotations, `output_text.done`,
 * `content_part.done`; refusals, function-call arguments and reasoning summaries alike),
 * `output_item.done`, and the terminal event for the status (`response.completed`,
 * `.incomplete`, `.failed`). Every event has `event:` and a `sequence_number` from 0.
 *
 * @example
 * encodeSseEvents(responseToEvents(response));
 */
export function responseToEvents(response: ResponseObject): SseEvent[] {
  const events: SseEvent[] = [];
  let sequence = 0;
  const emit = (type: string, fields: JsonObject) => {
    events.push({ event: type, data: JSON.stringify({ type, ...fields, sequence_number: sequence++ }) });
  };
  const opening: JsonObject = { ...response, status: 'in_progress', output: [], usage: null };
  if ('completed_at' in response) opening.completed_at = null;
  emit('response.created', { response: opening });
  emit('response.in_progress', { response: opening });
  response.output.forEach((item, outputIndex) => {
    const itemId = item.id;
    if (item.type === 'message' && Array.isArray(item.content)) {
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      });
      (item.content as JsonObject[]).forEach((part, contentIndex) => {
        const at = { item_id: itemId, output_index: outputIndex, content_index: contentIndex };
        emitPart(emit, at, part);
      });
    } else if (item.type === 'function_call') {
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      const at = { item_id: itemId, output_index: outputIndex };
      const args = typeof item.arguments === 'string' ? item.arguments : '';
      if (args !== '') emit('response.function_call_arguments.delta', { ...at, delta: args });
      emit('response.function_call_arguments.done', { ...at, arguments: args });
    } else if (item.type === 'reasoning' && Array.isArray(item.summary)) {
      emit('response.output_item.added', { output_index: outputIndex, item: { ...item, summary: [] } });
      (item.summary as JsonObject[]).forEach((part, summaryIndex) => {
        const at = { item_id: itemId, output_index: outputIndex, summary_index: summaryIndex };
        const text = typeof part.text === 'string' ? part.text : '';
        emit('response.reasoning_summary_part.added', { ...at, part: { ...part, text: '' } });
        if (text !== '') emit('response.reasoning_summary_text.delta', { ...at, delta: text });
        emit('response.reasoning_summary_text.done', { ...at, text });
        emit('response.reasoning_summary_part.done', { ...at, part });
      });
    } else {
      // Tool-call items with no deltas of their own (web search, file search, ...).
      emit('response.output_item.added', { output_index: outputIndex, item });
    }
    emit('response.output_item.done', { output_index: outputIndex, item });
  });
  emit(terminalByStatus[response.status] ?? 'response.completed', { response });
  return events;
}

type Emit = (type: string, fields: JsonObject) => void;

function emitPart(emit: Emit, at: JsonObject, part: JsonObject): void {
  if (part.type === 'refusal') {
    const refusal = typeof part.refusal === 'string' ? part.refusal : '';
    emit('response.content_part.added', { ...at, part: { ...part, refusal: '' } });
    if (refusal !== '') emit('response.refusal.delta', { ...at, delta: refusal });
    emit('response.refusal.done', { ...at, refusal });
    emit('response.content_part.done', { ...at, part });
    return;
  }
  const text = typeof part.text === 'string' ? part.text : '';
  const annotations = Array.isArray(part.annotations) ? part.annotations : undefined;
  const opened: JsonObject = { ...part, text: '' };
  if (annotations !== undefined) opened.annotations = [];
  emit('response.content_part.added', { ...at, part: opened });
  if (text !== '') emit('response.output_text.delta', { ...at, delta: text, logprobs: [] });
  annotations?.forEach((annotation, annotationIndex) => {
    emit('response.output_text.annotation.added', { ...at, annotation_index: annotationIndex, annotation });
  });
  emit('response.output_text.done', { ...at, text, logprobs: [] });
  emit('response.content_part.done', { ...at, part });
}
