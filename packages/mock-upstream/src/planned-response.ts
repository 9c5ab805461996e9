/**
 * What an endpoint wants to send, before latency and faults decide how it is sent.
 * A JSON response has `body`; a stream has `events`, each a complete SSE event ending in a
 * blank line, so faults can count, cut and split at event boundaries.
 *
 * @example
 * const planned: PlannedResponse = jsonResponse(200, '{"object":"list","data":[]}');
 */
export interface PlannedResponse {
  status: number;
  /** Flat `[name, value, ...]` list; `x-request-id` and `content-length` are added when sending. */
  headers: readonly string[];
  body?: string;
  events?: readonly string[];
}

const jsonHeaders: readonly string[] = Object.freeze(['content-type', 'application/json']);
const eventStreamHeaders: readonly string[] = Object.freeze([
  'content-type',
  'text/event-stream; charset=utf-8',
  'cache-control',
  'no-cache',
]);

/**
 * A complete JSON response.
 *
 * @example
 * jsonResponse(404, unknownUrlBody('GET', '/nope'));
 */
export function jsonResponse(status: number, body: string): PlannedResponse {
  return { status, headers: jsonHeaders, body };
}

/**
 * A `text/event-stream` response made of already serialised events.
 *
 * @example
 * eventStreamResponse([dataEvent('{"a":1}'), doneEvent]);
 */
export function eventStreamResponse(events: readonly string[]): PlannedResponse {
  return { status: 200, headers: eventStreamHeaders, events };
}

/**
 * An SSE event with only a `data:` line. `json` must be single-line JSON text.
 *
 * @example
 * dataEvent('{"a":1}'); // 'data: {"a":1}\n\n'
 */
export function dataEvent(json: string): string {
  return `data: ${json}\n\n`;
}

/**
 * An SSE event with an `event:` line, as the Responses API sends them.
 *
 * @example
 * namedEvent('response.completed', '{}'); // 'event: response.completed\ndata: {}\n\n'
 */
export function namedEvent(name: string, json: string): string {
  return `event: ${name}\ndata: ${json}\n\n`;
}

/** The terminator of chat and legacy completion streams. */
export const doneEvent = 'data: [DONE]\n\n';

/** What `malformed-after=n` inserts: a data line that is not JSON. */
export const malformedEvent = 'data: {not json\n\n';
