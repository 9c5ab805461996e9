/**
 * A parsed `x-mock-fault` spec. Several items combine: the status and header items shape what
 * is sent, the cut items (`resetAfter`, `stallAfter`) decide where sending stops, and the pacing
 * items (`trickleMs`, `splitBytes`) decide how the bytes are written.
 *
 * @example
 * const fault: Fault = { status: 503, times: 2 };
 */
export interface Fault {
  /** Respond with this status (400-599) and an OpenAI-shaped error body. */
  status?: number;
  /** Raw `retry-after` header value, sent verbatim (seconds, an HTTP date or garbage). */
  retryAfter?: string;
  /** Raw `retry-after-ms` header value, sent verbatim. */
  retryAfterMs?: string;
  /** The fault applies only to the first `times` requests carrying the same spec string. */
  times?: number;
  /** Send a TCP reset instead of a response. */
  resetBeforeHeaders?: boolean;
  /** Send headers and this many SSE events (half the body when not streaming), then close abruptly. */
  resetAfter?: number;
  /** Keep the connection open and never send headers. */
  stallBeforeHeaders?: boolean;
  /** Send headers and this many SSE events (half the body when not streaming), then go silent. */
  stallAfter?: number;
  /** Insert `data: {not json` as an SSE event after this many events. */
  malformedAfter?: number;
  /** Write the response body one byte at a time with this many milliseconds between bytes. */
  trickleMs?: number;
  /** Write each SSE event (or the body) in socket writes of at most this many bytes. */
  splitBytes?: number;
  /**
   * WebSocket only: close with this code (1000-1003, 1007-1014 or 3000-4999; 1005 sends a close
   * frame without a code) instead of cutting the TCP connection. Alone it closes right after the session opened; with `reset-after=n`
   * it closes after n events of a response.
   */
  closeCode?: number;
  /** WebSocket only: one extra frame of exactly this many bytes in each response (an audio delta in Realtime). */
  oversizeBytes?: number;
}

type FlagItem = 'resetBeforeHeaders' | 'stallBeforeHeaders';
type CountItem =
  | 'times'
  | 'resetAfter'
  | 'stallAfter'
  | 'malformedAfter'
  | 'trickleMs'
  | 'splitBytes'
  | 'oversizeBytes';

const flagItems: Readonly<Record<string, FlagItem>> = {
  'reset-before-headers': 'resetBeforeHeaders',
  'stall-before-headers': 'stallBeforeHeaders',
};

// Minimum value of each numeric item: a `times=0` or `split=0` is a typo, not a wish.
const countItems: Readonly<Record<string, [CountItem, number]>> = {
  times: ['times', 1],
  'reset-after': ['resetAfter', 0],
  'stall-after': ['stallAfter', 0],
  'malformed-after': ['malformedAfter', 0],
  trickle: ['trickleMs', 0],
  split: ['splitBytes', 1],
  oversize: ['oversizeBytes', 1],
};

/**
 * Parses a fault spec: `;`-separated items such as `status=429;retry-after=2;times=1`.
 * Throws on unknown items, bad numbers and repeated items, so a typo in a test fails loudly
 * instead of silently testing the happy path.
 *
 * @example
 * parseFault('status=503;times=2'); // { status: 503, times: 2 }
 * parseFault('reset-after=3');      // { resetAfter: 3 }
 */
export function parseFault(value: string): Fault {
  const fault: Fault = {};
  const seen = new Set<string>();
  for (const rawItem of value.split(';')) {
    const item = rawItem.trim();
    if (item === '') continue;
    const equals = item.indexOf('=');
    const name = (equals === -1 ? item : item.slice(0, equals)).trim();
    const argument = equals === -1 ? undefined : item.slice(equals + 1).trim();
    if (seen.has(name)) throw new SyntaxError(`mock fault item '${name}' is given twice in '${value}'`);
    seen.add(name);
    parseItem(fault, name, argument, value);
  }
  if (seen.size === 0) throw new SyntaxError('mock fault spec is empty');
  if (fault.resetBeforeHeaders && fault.stallBeforeHeaders) {
    throw new SyntaxError(`mock fault '${value}' asks to both reset and stall before headers`);
  }
  if (fault.resetAfter !== undefined && fault.stallAfter !== undefined) {
    throw new SyntaxError(`mock fault '${value}' asks to both reset and stall after some events`);
  }
  return fault;
}

function parseItem(fault: Fault, name: string, argument: string | undefined, spec: string): void {
  const flag = flagItems[name];
  if (flag !== undefined) {
    if (argument !== undefined)
      throw new SyntaxError(`mock fault item '${name}' takes no value in '${spec}'`);
    fault[flag] = true;
    return;
  }
  if (argument === undefined || argument === '') {
    throw new SyntaxError(`mock fault item '${name}' needs a value in '${spec}'`);
  }
  if (name === 'status') {
    const status = parseWholeNumber(argument, name, spec);
    if (status < 400 || status > 599) {
      throw new SyntaxError(`mock fault status must be 400-599, got '${argument}' in '${spec}'`);
    }
    fault.status = status;
    return;
  }
  if (name === 'close-code') {
    fault.closeCode = parseCloseCode(argument, spec);
    return;
  }
  if (name === 'retry-after' || name === 'retry-after-ms') {
    // Anything a header may carry is allowed, garbage included: clients must cope with it.
    if (/[^\t\x20-\x7e\x80-\xff]/.test(argument)) {
      throw new SyntaxError(`mock fault item '${name}' has characters a header cannot carry in '${spec}'`);
    }
    if (name === 'retry-after') fault.retryAfter = argument;
    else fault.retryAfterMs = argument;
    return;
  }
  const count = countItems[name];
  if (count === undefined) throw new SyntaxError(`unknown mock fault item '${name}' in '${spec}'`);
  const [field, minimum] = count;
  const number = parseWholeNumber(argument, name, spec);
  if (number < minimum) throw new SyntaxError(`mock fault item '${name}' must be >= ${minimum} in '${spec}'`);
  fault[field] = number;
}

// The codes `ws` lets an endpoint send (1004-1006 and 1015 are reserved and throw in
// ws.close()), plus 1005: a close frame without a code, which the peer reports as 1005.
function parseCloseCode(argument: string, spec: string): number {
  const code = parseWholeNumber(argument, 'close-code', spec);
  const sendable =
    (code >= 1000 && code <= 1003) ||
    (code >= 1005 && code !== 1006 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
  if (!sendable) {
    throw new SyntaxError(
      `mock fault close-code must be a code a WebSocket can send, got '${argument}' in '${spec}'`,
    );
  }
  return code;
}

function parseWholeNumber(argument: string, name: string, spec: string): number {
  // Number('') and Number('1e3') would be accepted by Number(); a spec wants plain digits.
  if (!/^\d{1,9}$/.test(argument)) {
    throw new SyntaxError(`mock fault item '${name}' needs a whole number, got '${argument}' in '${spec}'`);
  }
  return Number(argument);
}
