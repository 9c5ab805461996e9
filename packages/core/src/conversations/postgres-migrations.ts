import type { PostgresPool } from './postgres-client.js';

/** Fully qualified table names in one schema. */
export function postgresTables(schema: string) {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError('PostgreSQL schema must be a lower-case identifier (letters, digits, _)');
  }
  const q = `"${schema}"`;
  return {
    schema: q,
    version: `${q}.ferry_schema_version`,
    conversations: `${q}.ferry_conversations`,
    turns: `${q}.ferry_turns`,
    summaries: `${q}.ferry_summaries`,
    responses: `${q}.ferry_responses`,
  };
}

type Tables = ReturnType<typeof postgresTables>;

// Each step runs once, in order; the applied version is recorded. Steps are also written to be
// idempotent (IF NOT EXISTS), so a half-applied database from an older Ferry still converges.
const steps: ((t: Tables) => string)[] = [
  (t) => `
CREATE TABLE IF NOT EXISTS ${t.conversations} (
  pk bigserial PRIMARY KEY,
  owner text NOT NULL,
  id text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ttl_ms bigint NOT NULL,
  last_seq integer NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  lease_token text,
  lease_expires_at timestamptz,
  UNIQUE (owner, id)
);
CREATE INDEX IF NOT EXISTS ferry_conversations_owner_created
  ON ${t.conversations} (owner, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ferry_conversations_expires ON ${t.conversations} (expires_at);
CREATE TABLE IF NOT EXISTS ${t.turns} (
  conversation_pk bigint NOT NULL REFERENCES ${t.conversations} (pk) ON DELETE CASCADE,
  seq integer NOT NULL,
  message jsonb NOT NULL,
  tokens integer NOT NULL,
  incomplete boolean NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_pk, seq)
);
CREATE TABLE IF NOT EXISTS ${t.summaries} (
  conversation_pk bigint PRIMARY KEY REFERENCES ${t.conversations} (pk) ON DELETE CASCADE,
  text text NOT NULL,
  through_seq integer NOT NULL,
  tokens integer NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.responses} (
  id text PRIMARY KEY,
  owner text NOT NULL,
  previous_response_id text,
  input jsonb NOT NULL,
  output jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ferry_responses_owner_created ON ${t.responses} (owner, created_at DESC);
CREATE INDEX IF NOT EXISTS ferry_responses_expires ON ${t.responses} (expires_at);`,
  // 2: the upstream (and key, and its own id) that produced a response, for pinned follow-ups.
  (t) => `ALTER TABLE ${t.responses} ADD COLUMN IF NOT EXISTS upstream jsonb;`,
];

/** The schema version this Ferry writes. */
export const conversationSchemaVersion = steps.length;

/**
 * Brings the schema up to date. Safe to run at every start and from many instances at once:
 * a transaction-scoped advisory lock lets one instance migrate while the others wait (two
 * concurrent `CREATE TABLE IF NOT EXISTS` can otherwise fail on a catalog unique violation).
 *
 * @example
 * await migrateConversationSchema(pool, 'public'); // 1 on a fresh database, then a no-op
 */
export async function migrateConversationSchema(pool: PostgresPool, schema: string): Promise<number> {
  const t = postgresTables(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry-conversations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.version} (
      component text PRIMARY KEY,
      version integer NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM ${t.version} WHERE component = 'conversations'`,
    );
    const current = rows[0]?.version ?? 0;
    if (current > steps.length) {
      throw new Error(`conversation schema is version ${current}, newer than this Ferry (${steps.length})`);
    }
    for (const step of steps.slice(current)) await client.query(step(t));
    await client.query(
      `INSERT INTO ${t.version} (component, version) VALUES ('conversations', $1)
       ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, applied_at = now()`,
      [steps.length],
    );
    await client.query('COMMIT');
    return steps.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
