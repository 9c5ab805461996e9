import type { ChatCompletion, ChatDelta } from './openai-chat-types.js';
import type { SseEvent } from './sse-message.js';

export interface ChunkOptions {
  /** The client asked for `stream_options.include_usage`: add the usage chunk (`choices: []`). */
  includeUsage?: boolean;
  /** Split content into chunks of at most this many characters (code points); default: one chunk. */
  maxChunkChars?: number;
}

/**
 * A non-stream answer as the stream a client asked for (`stream: true` to an upstream that
 * cannot stream). Per choice: the role chunk, reasoning, content (one or more chunks, logprobs
 * on the first), refusal, one chunk per tool call (id, type, name and all arguments at once),
 * the finish_reason chunk; then the usage chunk only if `includeUsage`; then `[DONE]`.
 *
 * @example
 * encodeSseEvents(chatCompletionToChunks(completion, { includeUsage: true }));
 */
export function chatCompletionToChunks(completion: ChatCompletion, options: ChunkOptions = {}): SseEvent[] {
  const events: SseEvent[] = [];
  const head: Record<string, unknown> = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
  };
  if (completion.service_tier !== undefined) head.service_tier = completion.service_tier;
  if (completion.system_fingerprint !== undefined) head.system_fingerprint = completion.system_fingerprint;
  const emit = (choice: Record<string, unknown>) => {
    events.push({ data: JSON.stringify({ ...head, choices: [choice] }) });
  };
  const delta = (index: number, fields: ChatDelta, logprobs: unknown = null, finish: string | null = null) =>
    emit({ index, delta: fields, logprobs, finish_reason: finish });

  for (const choice of completion.choices) {
    const { index, message } = choice;
    // OpenAI opens a text answer with `content: ""` and a tool-call answer with `content: null`.
    delta(index, { role: 'assistant', content: message.content === null ? null : '' });
    for (const piece of pieces(message.reasoning_content, options))
      delta(index, { reasoning_content: piece });
    for (const piece of pieces(message.reasoning, options)) delta(index, { reasoning: piece });
    const content = pieces(message.content, options);
    content.forEach((piece, position) => {
      delta(index, { content: piece }, position === 0 ? choice.logprobs : null);
    });
    for (const piece of pieces(message.refusal, options)) delta(index, { refusal: piece });
    // Sent even when empty, so the client's aggregate has the field the upstream's answer had.
    if (message.annotations !== undefined) delta(index, { annotations: message.annotations });
    (message.tool_calls ?? []).forEach((call, position) => {
      delta(index, {
        tool_calls: [{ index: position, id: call.id, type: call.type, function: { ...call.function } }],
      });
    });
    // Logprobs of a refusal-only answer still reach the client, on the finish chunk.
    delta(index, {}, content.length === 0 ? choice.logprobs : null, choice.finish_reason);
  }
  if (options.includeUsage === true && completion.usage !== undefined) {
    events.push({ data: JSON.stringify({ ...head, choices: [], usage: completion.usage }) });
  }
  events.push({ data: '[DONE]' });
  return events;
}

function pieces(text: string | null | undefined, options: ChunkOptions): string[] {
  if (text === null || text === undefined || text === '') return [];
  const size = options.maxChunkChars;
  if (size === undefined || size <= 0) return [text];
  const points = Array.from(text);
  const out: string[] = [];
  for (let start = 0; start < points.length; start += size)
    out.push(points.slice(start, start + size).join(''));
  return out;
}
