import { ChatStreamAggregator } from '../../formats/chat-stream-aggregator.js';
import { parseSseText } from '../../formats/sse-message.js';
import type { BodyTransform } from '../../types.js';
import type { ChatMessage } from '../conversation-types.js';

/**
 * A transform that passes the body through but holds its last chunk until `complete(allBytes)`
 * ran: the client sees its answer end only once the turn is stored, so a bot that sends its
 * next message at once never meets its own lease. A body that fails or is abandoned calls
 * `abandon` instead (and nothing is stored).
 *
 * @example
 * context.transforms.push(holdLastChunk((bytes) => store.append(...), release));
 */
export function holdLastChunk(
  complete: (bytes: Uint8Array) => Promise<void>,
  abandon: () => Promise<void>,
): BodyTransform {
  return async function* (source) {
    const chunks: Uint8Array[] = [];
    let held: Uint8Array | undefined;
    let completed = false;
    try {
      for await (const chunk of source) {
        if (held !== undefined) yield held;
        held = chunk;
        chunks.push(chunk);
      }
      completed = true;
      await complete(Buffer.concat(chunks));
      if (held !== undefined) yield held;
    } finally {
      if (!completed) await abandon();
    }
  };
}

/**
 * The assistant message of a completed answer (choice 0): from the JSON body, or assembled from
 * the stream (text and tool calls). Undefined for a stream that was cut or carried an error.
 *
 * @example
 * await answerOf(Buffer.from('{"choices":[{"message":{"role":"assistant","content":"Hi"}}]}'), false);
 */
export async function answerOf(bytes: Uint8Array, stream: boolean): Promise<ChatMessage | undefined> {
  let message: { content?: unknown; tool_calls?: unknown } | undefined;
  if (stream) {
    const aggregator = new ChatStreamAggregator();
    for (const event of await parseSseText(bytes)) aggregator.push(event);
    try {
      message = aggregator.finish().choices[0]?.message;
    } catch {
      return undefined;
    }
  } else {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      choices?: Array<{ message?: { content?: unknown; tool_calls?: unknown } }>;
    };
    message = parsed.choices?.[0]?.message;
  }
  if (message === undefined) return undefined;
  const answer: ChatMessage = {
    role: 'assistant',
    content: (message.content ?? null) as ChatMessage['content'],
  };
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0)
    answer.tool_calls = message.tool_calls as ChatMessage['tool_calls'];
  return answer;
}
