import { configure } from 'safe-stable-stringify';

// Sorted keys, no circular-reference rewriting (a parsed JSON body has none), and an error
// instead of a silent `null` for values JSON cannot hold.
const stableStringify = configure({ deterministic: true, circularValue: Error, bigint: false, strict: true });

/**
 * Fields that say how the answer travels, not what it is: the same answer serves a stream and
 * a JSON caller, and `user` only tags the request for the provider's abuse monitoring.
 */
const transportFields = new Set(['stream', 'stream_options', 'user']);

/**
 * The canonical JSON of a request body: keys sorted at every level, transport-only fields
 * dropped at the top level, everything else (tools, `response_format`, `seed`, `stop`,
 * sampling fields) kept. Returns undefined for a body that cannot be encoded (nested deeper
 * than the stack allows): such a request is simply not cached.
 *
 * @example
 * canonicalBody({ stream: true, model: 'm', messages: [] }); // '{"messages":[],"model":"m"}'
 */
export function canonicalBody(body: Readonly<Record<string, unknown>>): string | undefined {
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(body)) if (!transportFields.has(key)) kept[key] = body[key];
  try {
    return stableStringify(kept);
  } catch {
    return undefined;
  }
}
