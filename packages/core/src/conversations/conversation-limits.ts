import { GatewayError } from '../errors.js';
import type { ConversationLimits, NewTurn, Turn } from './conversation-types.js';

/**
 * The limits a store uses unless given others: a long chat (2 000 turns, 8 MiB) kept 30 days
 * after its last turn; responses kept 30 days, as OpenAI keeps stored responses.
 *
 * @example
 * createMemoryConversationStore({ limits: { ...defaultConversationLimits, ttlMs: 86_400_000 } });
 */
export const defaultConversationLimits: ConversationLimits = Object.freeze({
  maxTurns: 2_000,
  maxBytes: 8 * 1024 * 1024,
  ttlMs: 30 * 24 * 3_600_000,
  responseTtlMs: 30 * 24 * 3_600_000,
  maxChainDepth: 1_000,
});

/** The limits with the given fields replaced, checked to be positive integers. */
export function resolveLimits(limits: Partial<ConversationLimits> | undefined): ConversationLimits {
  const resolved = { ...defaultConversationLimits, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`conversation limits: ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}

// Ids come from a client header: printable, bounded, and without the characters that would
// need escaping in keys and logs.
const idPattern = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Throws the 400 a client gets for a malformed conversation or response id. */
export function checkId(id: string, what: 'conversation' | 'response' = 'conversation'): void {
  if (!idPattern.test(id)) {
    throw new GatewayError(
      `invalid_${what}_id`,
      `The ${what} id must be 1 to 128 characters of letters, digits and _.:@-.`,
      { param: what === 'conversation' ? 'x-ferry-conversation' : 'previous_response_id' },
    );
  }
}

/** Owners are identities the gateway assigns, so a bad one is a programming error. */
export function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 256) {
    throw new TypeError('conversation owner must be a non-empty string of at most 256 characters');
  }
}

/** Bytes a turn counts against `maxBytes`: its message as JSON. Every store counts the same. */
export function turnBytes(turn: NewTurn): number {
  return Buffer.byteLength(JSON.stringify(turn.message));
}

/** Throws unless `ttlMs`/`leaseMs` is a positive integer. */
export function checkDuration(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive integer of milliseconds, got ${String(value)}`);
  }
}

/**
 * Keeps the newest of `turns` (oldest first, already at most `maxTurns`) whose tokens fit in
 * `maxTokens`, stopping at the first that does not: the window must be contiguous.
 */
export function fitTokens(turns: Turn[], maxTokens: number | undefined): Turn[] {
  if (maxTokens === undefined) return turns;
  let total = 0;
  let start = turns.length;
  while (start > 0) {
    const tokens = turns[start - 1]!.tokens;
    if (total + tokens > maxTokens) break;
    total += tokens;
    start--;
  }
  return start === 0 ? turns : turns.slice(start);
}

/** Listing cursors are opaque to callers: the last item's creation time and id. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`).toString('base64url');
}

/** The position a cursor names; a malformed cursor is the client's 400. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString();
  const colon = text.indexOf(':');
  const createdAt = Number(text.slice(0, colon));
  const id = text.slice(colon + 1);
  if (colon <= 0 || !Number.isSafeInteger(createdAt) || !idPattern.test(id)) {
    throw new GatewayError('invalid_cursor', 'The listing cursor is not valid.', { param: 'after' });
  }
  return { createdAt, id };
}

/** Checks the paging limit: 1..1000 items a page. */
export function checkPageLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000) {
    throw new TypeError(`page limit must be an integer from 1 to 1000, got ${String(limit)}`);
  }
}
