/**
 * Redis key names for conversations. Every key of one conversation carries the hash tag
 * `{conv:<owner>:<id>}`, so they hash to one Redis Cluster slot and one Lua script may touch
 * them all atomically. The owner is URI-encoded (no `{`, `}` or `:` left in it); ids are
 * validated to a safe alphabet. Owner indexes and responses have tags of their own: commands
 * that span them are separate (and idempotent), never one multi-slot script.
 *
 * @example
 * const keys = conversationKeys('ferry:', 'tenant-a', 'support-42');
 * keys.turns; // 'ferry:{conv:tenant-a:support-42}:turns'
 */
export function conversationKeys(prefix: string, owner: string, id: string) {
  const base = `${prefix}{conv:${encodeURIComponent(owner)}:${id}}`;
  return {
    meta: `${base}:meta`,
    turns: `${base}:turns`,
    summary: `${base}:summary`,
    lease: `${base}:lease`,
  };
}

/** The owner's two indexes: conversations (for listing and erasure) and responses (for erasure). */
export function ownerKeys(prefix: string, owner: string) {
  const base = `${prefix}{owner:${encodeURIComponent(owner)}}`;
  return { conversations: `${base}:conversations`, responses: `${base}:responses` };
}

/** The key of one stored response. */
export function responseKey(prefix: string, id: string): string {
  return `${prefix}{resp:${id}}`;
}

/** Checks a key prefix: a `{` in it would become the hash tag of every key. */
export function checkPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) throw new TypeError('conversation key prefix must not contain { or }');
}

// Index members sort by creation time as text: fixed-width milliseconds, then the id.
const width = 15;

/** The owner index member of a conversation: ordered by creation time, then id. */
export function indexMember(createdAt: number, id: string): string {
  return `${String(createdAt).padStart(width, '0')}:${id}`;
}

/** The creation time and id an index member names. */
export function parseIndexMember(member: string): { createdAt: number; id: string } {
  return { createdAt: Number(member.slice(0, width)), id: member.slice(width + 1) };
}
