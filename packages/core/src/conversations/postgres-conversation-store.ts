import { randomUUID } from 'node:crypto';
import { ConversationConflictError, ConversationNotFoundError } from './conversation-errors.js';
import {
  checkDuration,
  checkId,
  checkOwner,
  checkPageLimit,
  decodeCursor,
  encodeCursor,
  fitTokens,
  resolveLimits,
} from './conversation-limits.js';
import type { ConversationStore } from './conversation-store.js';
import type { ConversationLimits } from './conversation-types.js';
import { checkAppendGate, checkSummary, planAppend } from './plan-append.js';
import type { PostgresPool } from './postgres-client.js';
import { migrateConversationSchema, postgresTables } from './postgres-migrations.js';
import { createPostgresResponses } from './postgres-responses.js';
import { after, type InfoRow, infoColumns, ms, nowMs, toInfo, toTurns, turnJson } from './postgres-sql.js';

/** Options of {@link createPostgresConversationStore}. */
export interface PostgresConversationStoreOptions {
  /** The schema that holds Ferry's tables (created when missing). Default `public`. */
  schema?: string;
  limits?: Partial<ConversationLimits>;
  /** How often expired rows are deleted for real. Default 60 s; they read as missing at once. */
  purgeIntervalMs?: number;
}

/** The PostgreSQL store, with its expiry purge callable on demand. */
export interface PostgresConversationStore extends ConversationStore {
  /** Deletes expired conversations (their turns and summaries cascade) and responses. */
  purgeExpired(): Promise<number>;
}

/**
 * Durable conversations on PostgreSQL. The schema is migrated when the store is created.
 * Reads take `ORDER BY seq DESC LIMIT n` on the turns' primary key (conversation, seq), one
 * statement per read; an append is one transaction that locks the conversation row, so
 * concurrent turns are serialised by the database. Expired rows read as missing at once and
 * are deleted (really: `DELETE`) by a periodic purge.
 *
 * @example
 * const pool = createPostgresPool({ url: process.env.DATABASE_URL! });
 * const store = await createPostgresConversationStore(pool, { schema: 'ferry' });
 */
export async function createPostgresConversationStore(
  pool: PostgresPool,
  options: PostgresConversationStoreOptions = {},
): Promise<PostgresConversationStore> {
  const schema = options.schema ?? 'public';
  const limits = resolveLimits(options.limits);
  const t = postgresTables(schema);
  await migrateConversationSchema(pool, schema);
  const responses = createPostgresResponses(pool, t, limits);
  const live = `c.owner = $1 AND c.id = $2 AND c.expires_at > now()`;
  const check = (id: string, owner: string) => {
    checkId(id);
    checkOwner(owner);
  };
  const get = async (id: string, owner: string) => {
    check(id, owner);
    const { rows } = await pool.query<InfoRow>(
      `SELECT ${infoColumns} FROM ${t.conversations} c WHERE ${live}`,
      [owner, id],
    );
    return rows[0] === undefined ? undefined : toInfo(rows[0]);
  };

  const store: PostgresConversationStore = {
    kind: 'postgres',
    async ensure(id, owner, ensureOptions = {}) {
      check(id, owner);
      const ttlMs = ensureOptions.ttlMs ?? limits.ttlMs;
      checkDuration('ttlMs', ttlMs);
      // An expired conversation is deleted first, so its turns can never reappear in a new one
      // with the same id; the upsert refuses to touch a row that expired in between (retry).
      for (let attempt = 0; attempt < 3; attempt++) {
        await pool.query(
          `DELETE FROM ${t.conversations} WHERE owner = $1 AND id = $2 AND expires_at <= now()`,
          [owner, id],
        );
        const { rows } = await pool.query<InfoRow>(
          `INSERT INTO ${t.conversations} AS c (owner, id, created_at, updated_at, expires_at, ttl_ms)
           VALUES ($1, $2, ${nowMs}, ${nowMs}, ${after('$3::bigint')}, $3)
           ON CONFLICT (owner, id) DO UPDATE SET updated_at = ${nowMs}, expires_at = ${after('c.ttl_ms')}
             WHERE c.expires_at > now()
           RETURNING ${infoColumns}`,
          [owner, id, ttlMs],
        );
        if (rows[0] !== undefined) return toInfo(rows[0]);
      }
      throw new Error('conversation kept expiring while it was ensured');
    },
    get,
    async beginTurn(id, owner, leaseMs) {
      check(id, owner);
      checkDuration('leaseMs', leaseMs);
      const token = randomUUID();
      const { rows } = await pool.query<{ last_seq: number; lease_expires: number }>(
        `UPDATE ${t.conversations} c SET lease_token = $3, lease_expires_at = ${after('$4::bigint')}
         WHERE ${live} AND (c.lease_token IS NULL OR c.lease_expires_at <= now())
         RETURNING c.last_seq, ${ms('c.lease_expires_at')} AS lease_expires`,
        [owner, id, token, leaseMs],
      );
      const row = rows[0];
      if (row !== undefined) return { token, lastSeq: row.last_seq, expiresAt: row.lease_expires };
      const info = await get(id, owner);
      if (info === undefined) throw new ConversationNotFoundError(id);
      throw new ConversationConflictError(id, 'busy', info.lastSeq);
    },
    async endTurn(id, owner, token) {
      check(id, owner);
      await pool.query(
        `UPDATE ${t.conversations} c SET lease_token = NULL, lease_expires_at = NULL
         WHERE c.owner = $1 AND c.id = $2 AND c.lease_token = $3`,
        [owner, id, token],
      );
    },
    async append(id, owner, turns, appendOptions = {}) {
      check(id, owner);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // The row lock serialises appends to one conversation across every gateway instance.
        const { rows } = await client.query<{
          pk: string;
          last_seq: number;
          bytes: number;
          lease: string | null;
        }>(
          `SELECT c.pk, c.last_seq, c.bytes::float8 AS bytes,
             CASE WHEN c.lease_expires_at > now() THEN c.lease_token END AS lease
           FROM ${t.conversations} c WHERE ${live} FOR UPDATE`,
          [owner, id],
        );
        const row = rows[0];
        if (row === undefined) throw new ConversationNotFoundError(id);
        checkAppendGate(id, { lastSeq: row.last_seq, liveLease: row.lease ?? undefined }, appendOptions);
        const plan = planAppend({ lastSeq: row.last_seq, bytes: row.bytes }, turns, limits, Date.now());
        const items = plan.turns.map(
          (turn) => `{"t":${turn.tokens},"i":${turn.incomplete},"m":${turn.json}}`,
        );
        await client.query(
          `INSERT INTO ${t.turns} (conversation_pk, seq, message, tokens, incomplete, created_at)
           SELECT $1, $2 + u.ord, u.turn -> 'm', (u.turn ->> 't')::integer, (u.turn ->> 'i')::boolean, ${nowMs}
           FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS u(turn, ord)`,
          [row.pk, row.last_seq, `[${items.join(',')}]`],
        );
        const updated = await client.query<{ now: number }>(
          `UPDATE ${t.conversations} SET last_seq = $2, bytes = bytes + $3, updated_at = ${nowMs},
             expires_at = ${after('ttl_ms')} WHERE pk = $1 RETURNING ${ms('updated_at')} AS now`,
          [row.pk, row.last_seq + plan.turns.length, plan.bytes],
        );
        await client.query('COMMIT');
        const createdAt = updated.rows[0]!.now;
        return plan.turns.map((turn, index) => ({
          seq: plan.firstSeq + index,
          message: JSON.parse(turn.json),
          tokens: turn.tokens,
          incomplete: turn.incomplete,
          createdAt,
        }));
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async readWindow(id, owner, windowOptions) {
      check(id, owner);
      checkPageLimit(windowOptions.maxTurns);
      // One statement, one snapshot: the conversation, its summary and the newest turns, read
      // backwards on the (conversation_pk, seq) primary key and stopped after maxTurns rows.
      // Seqs are dense, so the newest N are also bounded as a key range: whatever plan the
      // planner picks (a bitmap scan and a sort, on a table it has no statistics for yet), it
      // fetches at most maxTurns rows.
      const { rows } = await pool.query<
        InfoRow & {
          s_text: string | null;
          s_through: number;
          s_tokens: number;
          s_created: number;
          after_seq: number;
          turns: unknown;
        }
      >(
        `SELECT ${infoColumns}, s.text AS s_text, s.through_seq AS s_through, s.tokens AS s_tokens,
           ${ms('s.created_at')} AS s_created, a.after_seq, w.turns
         FROM ${t.conversations} c
         LEFT JOIN ${t.summaries} s ON s.conversation_pk = c.pk
         CROSS JOIN LATERAL (SELECT coalesce($3::integer, s.through_seq, 0) AS after_seq) a
         CROSS JOIN LATERAL (
           SELECT coalesce(json_agg(x.turn ORDER BY x.seq), '[]'::json) AS turns FROM (
             SELECT t.seq, ${turnJson} AS turn FROM ${t.turns} t
             WHERE t.conversation_pk = c.pk AND t.seq > greatest(a.after_seq, c.last_seq - $4)
             ORDER BY t.seq DESC LIMIT $4
           ) x
         ) w
         WHERE ${live}`,
        [owner, id, windowOptions.afterSeq ?? null, windowOptions.maxTurns],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      const conversation = toInfo(row);
      const summary =
        row.s_text === null
          ? undefined
          : { text: row.s_text, throughSeq: row.s_through, tokens: row.s_tokens, createdAt: row.s_created };
      const turns = fitTokens(toTurns(row.turns), windowOptions.maxTokens);
      const olderTurns = Math.max(0, conversation.lastSeq - row.after_seq) - turns.length;
      return { conversation, summary, turns, olderTurns };
    },
    async setSummary(id, owner, summary) {
      check(id, owner);
      checkSummary(summary, Number.POSITIVE_INFINITY);
      const { rowCount } = await pool.query(
        `INSERT INTO ${t.summaries} AS s (conversation_pk, text, through_seq, tokens, created_at)
         SELECT c.pk, $3, $4, $5, ${nowMs} FROM ${t.conversations} c WHERE ${live} AND c.last_seq >= $4
         ON CONFLICT (conversation_pk) DO UPDATE SET text = EXCLUDED.text, through_seq = EXCLUDED.through_seq,
           tokens = EXCLUDED.tokens, created_at = EXCLUDED.created_at
           WHERE s.through_seq < EXCLUDED.through_seq`,
        [owner, id, summary.text, summary.throughSeq, summary.tokens],
      );
      if (rowCount === 1) return true;
      const info = await get(id, owner);
      if (info === undefined) throw new ConversationNotFoundError(id);
      checkSummary(summary, info.lastSeq);
      return false;
    },
    async readTurns(id, owner, afterSeq, limit) {
      check(id, owner);
      checkPageLimit(limit);
      const { rows } = await pool.query<{ turns: unknown }>(
        `SELECT w.turns FROM ${t.conversations} c CROSS JOIN LATERAL (
           SELECT coalesce(json_agg(x.turn ORDER BY x.seq), '[]'::json) AS turns FROM (
             SELECT t.seq, ${turnJson} AS turn FROM ${t.turns} t
             WHERE t.conversation_pk = c.pk AND t.seq > $3 AND t.seq <= $3 + $4 ORDER BY t.seq LIMIT $4
           ) x
         ) w WHERE ${live}`,
        [owner, id, afterSeq, limit],
      );
      return rows[0] === undefined ? undefined : toTurns(rows[0].turns);
    },
    async list(owner, listOptions) {
      checkOwner(owner);
      checkPageLimit(listOptions.limit);
      const position = listOptions.cursor === undefined ? undefined : decodeCursor(listOptions.cursor);
      const { rows } = await pool.query<InfoRow>(
        `SELECT ${infoColumns} FROM ${t.conversations} c
         WHERE c.owner = $1 AND c.expires_at > now()
           AND ($2::float8 IS NULL OR (c.created_at, c.id) < (to_timestamp($2::float8 / 1000), $3))
         ORDER BY c.created_at DESC, c.id DESC LIMIT $4`,
        [owner, position?.createdAt ?? null, position?.id ?? '', listOptions.limit + 1],
      );
      const items = rows.slice(0, listOptions.limit).map(toInfo);
      const last = items.at(-1);
      const more = rows.length > listOptions.limit && last !== undefined;
      return { items, nextCursor: more ? encodeCursor(last.createdAt, last.id) : undefined };
    },
    async delete(id, owner) {
      check(id, owner);
      // Turns and the summary go with the conversation row (ON DELETE CASCADE).
      const { rows } = await pool.query<{ live: boolean }>(
        `DELETE FROM ${t.conversations} WHERE owner = $1 AND id = $2 RETURNING expires_at > now() AS live`,
        [owner, id],
      );
      return rows[0]?.live === true;
    },
    async deleteOwner(owner) {
      checkOwner(owner);
      const { rows } = await pool.query<{ live: boolean }>(
        `DELETE FROM ${t.conversations} WHERE owner = $1 RETURNING expires_at > now() AS live`,
        [owner],
      );
      return rows.filter((row) => row.live).length + (await responses.deleteOwner(owner));
    },
    putResponse: responses.put,
    getResponse: responses.get,
    deleteResponse: responses.delete,
    walkChain: responses.walkChain,
    async purgeExpired() {
      const conversations = await pool.query(`DELETE FROM ${t.conversations} WHERE expires_at <= now()`);
      return (conversations.rowCount ?? 0) + (await responses.purgeExpired());
    },
    async close() {
      clearInterval(purge);
      // The pool is owned by whoever created it.
    },
  };
  const purge = setInterval(() => {
    store.purgeExpired().catch(() => {});
  }, options.purgeIntervalMs ?? 60_000);
  purge.unref();
  return store;
}
