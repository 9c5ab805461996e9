import type { ConversationInfo, Turn } from './conversation-types.js';

// Timestamps are kept at millisecond precision, so a listing cursor (milliseconds) compares
// exactly with the stored value; the database's clock is the one clock every instance shares.
export const nowMs = `date_trunc('milliseconds', now())`;
/** Epoch milliseconds of a timestamptz column, as a float8 (pg returns it as a JS number). */
export const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
export const after = (millis: string) => `${nowMs} + ${millis} * interval '1 millisecond'`;

/** The columns that make a ConversationInfo, from the conversations table aliased `c`. */
export const infoColumns = `c.id, c.owner, ${ms('c.created_at')} AS created_at, ${ms('c.updated_at')} AS updated_at,
  ${ms('c.expires_at')} AS expires_at, c.ttl_ms::float8 AS ttl_ms, c.last_seq, c.bytes::float8 AS bytes`;

export interface InfoRow {
  id: string;
  owner: string;
  created_at: number;
  updated_at: number;
  expires_at: number;
  ttl_ms: number;
  last_seq: number;
  bytes: number;
}

export const toInfo = (row: InfoRow): ConversationInfo => ({
  id: row.id,
  owner: row.owner,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  expiresAt: row.expires_at,
  ttlMs: row.ttl_ms,
  lastSeq: row.last_seq,
  bytes: row.bytes,
});

/** A turn as `json_build_object` returns it from the turns table aliased `t`. */
export const turnJson = `json_build_object('seq', t.seq, 'message', t.message, 'tokens', t.tokens,
  'incomplete', t.incomplete, 'createdAt', ${ms('t.created_at')})`;

export const toTurns = (value: unknown): Turn[] => (Array.isArray(value) ? (value as Turn[]) : []);
