import type { BodyTransform } from '../../types.js';

/** What a completed Responses API answer told Ferry: the upstream's own id and its output items. */
export interface CompletedResponse {
  upstreamId: string;
  output: unknown[];
}

const encoder = new TextEncoder();
/** An SSE event longer than this is passed on as it is (not rewritten, not stored): a stream without event ends must not grow memory. */
const maxEventChars = 1 << 20;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Replaces `"id":<upstream id>` (the only place a response id sits), never the same text elsewhere (a delta). */
const idRewriter = (quotedUpstreamId: string, quotedFerryId: string) => {
  const pattern = new RegExp(`("id"\\s*:\\s*)${escapeRegExp(quotedUpstreamId)}`, 'g');
  return (text: string) => text.replace(pattern, (_match, key: string) => key + quotedFerryId);
};
// The first `"id":"..."` of a `response` object: the top-level id of a JSON answer, or the id
// inside a stream's `response.created` (every response.* event repeats the same id).
const responseIdPattern = /"id"\s*:\s*("(?:[^"\\]|\\.)*")/;

/**
 * A transform for a Responses API answer Ferry stores: the upstream's response id is replaced
 * by Ferry's own (`ferryId`) wherever it appears as a JSON string, and `complete` runs with the
 * completed response before its last part reaches the client, so a follow-up sent as soon as
 * the answer ends finds it stored. Streams are rewritten one whole SSE event at a time (only
 * the current event is held, never the stream); a stream that never reached
 * `response.completed` (failed, incomplete, cut) and a body that is not a response call nothing.
 *
 * Ids are rewritten because upstreams mint them in their own spaces: two local model servers
 * may both answer `resp_1`, and a stored id must never let one owner's response replace another's.
 *
 * @example
 * context.transforms.push(recordResponse(`resp_${randomHex}`, context.stream, (done) => store.putResponse(...)));
 */
export function recordResponse(
  ferryId: string,
  stream: boolean,
  complete: (response: CompletedResponse) => Promise<void>,
): BodyTransform {
  const quotedFerryId = JSON.stringify(ferryId);
  return stream
    ? async function* (source) {
        const decoder = new TextDecoder();
        let pending = '';
        let quotedUpstreamId: string | undefined;
        let rewrite = (text: string) => text;
        for await (const chunk of source) {
          pending += decoder.decode(chunk, { stream: true });
          const end = lastEventEnd(pending);
          if (end < 0) {
            if (pending.length > maxEventChars) {
              yield encoder.encode(pending);
              pending = '';
            }
            continue;
          }
          let events = pending.slice(0, end);
          pending = pending.slice(end);
          if (quotedUpstreamId === undefined) {
            quotedUpstreamId = responseIdPattern.exec(events)?.[1];
            if (quotedUpstreamId !== undefined) rewrite = idRewriter(quotedUpstreamId, quotedFerryId);
          }
          events = rewrite(events);
          const completed = completedIn(events);
          if (completed !== undefined && quotedUpstreamId !== undefined)
            await complete({ upstreamId: JSON.parse(quotedUpstreamId) as string, output: completed });
          yield encoder.encode(events);
        }
        pending += decoder.decode();
        if (pending.length > 0) yield encoder.encode(rewrite(pending));
      }
    : async function* (source) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of source) chunks.push(chunk);
        let text = Buffer.concat(chunks).toString('utf8');
        let parsed: { id?: unknown; status?: unknown; output?: unknown } | undefined;
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          parsed = undefined;
        }
        if (typeof parsed?.id === 'string' && Array.isArray(parsed.output)) {
          text = idRewriter(JSON.stringify(parsed.id), quotedFerryId)(text);
          if (parsed.status === undefined || parsed.status === 'completed')
            await complete({ upstreamId: parsed.id, output: parsed.output });
        }
        yield encoder.encode(text);
      };
}

/** The index just past the last complete SSE event in `text` (blank line, LF or CRLF), or -1. */
function lastEventEnd(text: string): number {
  const lf = text.lastIndexOf('\n\n');
  const crlf = text.lastIndexOf('\r\n\r\n');
  if (crlf >= 0 && crlf + 4 > lf + 2) return crlf + 4;
  return lf < 0 ? -1 : lf + 2;
}

/** The output items of a `response.completed` event among `events`, if there is one. */
function completedIn(events: string): unknown[] | undefined {
  if (!events.includes('"response.completed"')) return undefined;
  for (const line of events.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    try {
      const event = JSON.parse(line.slice(5)) as { type?: unknown; response?: { output?: unknown } };
      if (event.type === 'response.completed' && Array.isArray(event.response?.output))
        return event.response.output;
    } catch {}
  }
  return undefined;
}
