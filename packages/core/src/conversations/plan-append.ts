import { ConversationConflictError, ConversationLimitError } from './conversation-errors.js';
import type { AppendOptions, ConversationLimits, NewTurn } from './conversation-types.js';

/** A turn as stores keep it: the message already serialised, so its size is known. */
export interface EncodedTurn {
  json: string;
  tokens: number;
  incomplete: boolean;
  createdAt: number;
}

const roles = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Serialises and checks turns for one append; throws before anything is written. */
export function encodeTurns(turns: readonly NewTurn[], now: number): { turns: EncodedTurn[]; bytes: number } {
  if (turns.length === 0) throw new TypeError('append needs at least one turn');
  let bytes = 0;
  const encoded = turns.map((turn) => {
    if (!roles.has(turn.message?.role))
      throw new TypeError(`turn role must be one of ${[...roles].join(', ')}`);
    if (!Number.isSafeInteger(turn.tokens) || turn.tokens < 0) {
      throw new TypeError('turn tokens must be a non-negative integer');
    }
    const json = JSON.stringify(turn.message);
    bytes += Buffer.byteLength(json);
    return { json, tokens: turn.tokens, incomplete: turn.incomplete === true, createdAt: now };
  });
  return { turns: encoded, bytes };
}

/**
 * Encodes turns to append after `lastSeq` and checks the per-conversation limits: the whole
 * append is refused when it would pass `maxTurns` or `maxBytes`, so a conversation never holds
 * half of a user/assistant pair because of a limit.
 */
export function planAppend(
  current: { lastSeq: number; bytes: number },
  turns: readonly NewTurn[],
  limits: Pick<ConversationLimits, 'maxTurns' | 'maxBytes'>,
  now: number,
): { turns: EncodedTurn[]; bytes: number; firstSeq: number } {
  const encoded = encodeTurns(turns, now);
  if (current.lastSeq + encoded.turns.length > limits.maxTurns) {
    throw new ConversationLimitError('turns', limits.maxTurns);
  }
  if (current.bytes + encoded.bytes > limits.maxBytes)
    throw new ConversationLimitError('bytes', limits.maxBytes);
  return { ...encoded, firstSeq: current.lastSeq + 1 };
}

/**
 * The concurrency checks of an append, in the order every store applies them: the lease
 * first (a turn in progress owns the conversation), then `expectedSeq`.
 */
export function checkAppendGate(
  id: string,
  state: { lastSeq: number; liveLease: string | undefined },
  options: AppendOptions,
): void {
  if (options.lease !== undefined) {
    if (state.liveLease !== options.lease) throw new ConversationConflictError(id, 'lease', state.lastSeq);
  } else if (state.liveLease !== undefined) {
    throw new ConversationConflictError(id, 'busy', state.lastSeq);
  }
  if (options.expectedSeq !== undefined && options.expectedSeq !== state.lastSeq) {
    throw new ConversationConflictError(id, 'seq', state.lastSeq);
  }
}

/** A summary must cover turns that exist: one past `lastSeq` would hide turns appended later. */
export function checkSummary(
  summary: { text: string; throughSeq: number; tokens: number },
  lastSeq: number,
): void {
  if (typeof summary.text !== 'string') throw new TypeError('summary text must be a string');
  if (!Number.isSafeInteger(summary.tokens) || summary.tokens < 0) {
    throw new TypeError('summary tokens must be a non-negative integer');
  }
  if (!Number.isSafeInteger(summary.throughSeq) || summary.throughSeq < 1 || summary.throughSeq > lastSeq) {
    throw new TypeError(
      `summary throughSeq must be an existing turn (1..${lastSeq}), got ${summary.throughSeq}`,
    );
  }
}
