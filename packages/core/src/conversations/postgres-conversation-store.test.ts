import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { PostgresPool as Pool } from './postgres-client.js';
import { createPostgresPool } from './postgres-client.js';
import {
  createPostgresConversationStore,
  type PostgresConversationStore,
} from './postgres-conversation-store.js';
import {
  conversationSchemaVersion,
  migrateConversationSchema,
  postgresTables,
} from './postgres-migrations.js';
import { userTurn } from './test-conformance-harness.js';
import { describeConversationStoreConformance } from './test-conversation-conformance.js';

// A real PostgreSQL is part of the test environment (CI starts one): without it this suite fails.
const pgUrl = process.env.FERRY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}
const walk = (node: PlanNode, visit: (node: PlanNode) => void) => {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
};
const explain = async (pool: Pool, text: string, values: unknown[]) => {
  const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
    values,
  );
  return rows[0]!['QUERY PLAN'][0].Plan;
};

// Captures the read statements `action` sends, then asks PostgreSQL how many turn rows their
// plans actually fetched (EXPLAIN ANALYZE runs them again; they are read-only).
const measure = async (pool: Pool, action: () => Promise<unknown>) => {
  const statements: [string, unknown[]][] = [];
  const original = pool.query;
  pool.query = function (this: Pool, text: unknown, values?: unknown) {
    if (typeof text === 'string' && /^\s*(SELECT|WITH)/i.test(text))
      statements.push([text, (values as unknown[]) ?? []]);
    return (original as (...args: unknown[]) => unknown).call(this, text, values);
  } as Pool['query'];
  try {
    await action();
  } finally {
    pool.query = original;
  }
  let rows = 0;
  for (const [text, values] of statements) {
    walk(await explain(pool, text, values), (node) => {
      if (node['Relation Name'] === 'ferry_turns') rows += node['Actual Rows'] * node['Actual Loops'];
    });
  }
  return rows;
};

const remnants = async (pool: Pool, schema: string) => {
  const t = postgresTables(schema);
  const found: string[] = [];
  for (const table of [t.conversations, t.turns, t.summaries, t.responses]) {
    const { rows } = await pool.query<{ count: number }>(`SELECT count(*)::integer AS count FROM ${table}`);
    if (rows[0]!.count > 0) found.push(`${table}: ${rows[0]!.count} rows`);
  }
  return found;
};

describeConversationStoreConformance(
  'postgres',
  async ({ limits }) => {
    const schema = `ferry_test_${randomUUID().replaceAll('-', '')}`;
    const options = { schema, ...(limits === undefined ? {} : { limits }) };
    let pool = createPostgresPool({ url: pgUrl });
    let store: PostgresConversationStore = await createPostgresConversationStore(pool, options);
    return {
      get store() {
        return store;
      },
      measureReads: (action) => measure(pool, action),
      remnants: () => remnants(pool, schema),
      purge: async () => {
        await store.purgeExpired();
      },
      async reopen() {
        await store.close();
        await pool.end();
        pool = createPostgresPool({ url: pgUrl });
        store = await createPostgresConversationStore(pool, options);
        return store;
      },
      async close() {
        await store.close();
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      },
    };
  },
  { durable: true },
);

describe('PostgreSQL conversation schema', () => {
  const withSchema = async (run: (pool: Pool, schema: string) => Promise<void>) => {
    const pool = createPostgresPool({ url: pgUrl });
    const schema = `ferry_test_${randomUUID().replaceAll('-', '')}`;
    try {
      await run(pool, schema);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  };

  it('migrates once, idempotently, even from several instances at once', () =>
    withSchema(async (pool, schema) => {
      const versions = await Promise.all([1, 2, 3].map(() => migrateConversationSchema(pool, schema)));
      assert.deepEqual(versions, [
        conversationSchemaVersion,
        conversationSchemaVersion,
        conversationSchemaVersion,
      ]);
      assert.equal(await migrateConversationSchema(pool, schema), conversationSchemaVersion);
      const { rows } = await pool.query(`SELECT component, version FROM "${schema}".ferry_schema_version`);
      assert.deepEqual(rows, [{ component: 'conversations', version: conversationSchemaVersion }]);
      const indexes = await pool.query<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
        [schema],
      );
      const names = indexes.rows.map((row) => row.indexname);
      for (const name of [
        'ferry_conversations_owner_created',
        'ferry_conversations_expires',
        'ferry_turns_pkey',
      ]) {
        assert.ok(names.includes(name), `${name} in ${names}`);
      }
    }));

  it('refuses a schema newer than this code knows', () =>
    withSchema(async (pool, schema) => {
      await migrateConversationSchema(pool, schema);
      await pool.query(`UPDATE "${schema}".ferry_schema_version SET version = version + 1`);
      await assert.rejects(migrateConversationSchema(pool, schema), /newer than this Ferry/);
    }));

  it('reads the window backwards on the primary key, without sorting the history', () =>
    withSchema(async (pool, schema) => {
      const store = await createPostgresConversationStore(pool, { schema });
      try {
        await store.ensure('plan', 'owner');
        await store.append(
          'plan',
          'owner',
          Array.from({ length: 500 }, (_, index) => userTurn(`t${index}`)),
        );
        await pool.query(`ANALYZE "${schema}".ferry_turns`);
        const statements: [string, unknown[]][] = [];
        const original = pool.query;
        pool.query = function (this: Pool, text: unknown, values?: unknown) {
          statements.push([text as string, values as unknown[]]);
          return (original as (...args: unknown[]) => unknown).call(this, text, values);
        } as Pool['query'];
        await store.readWindow('plan', 'owner', { maxTurns: 20 }).finally(() => {
          pool.query = original;
        });
        assert.equal(statements.length, 1, 'one statement per read');
        const nodes: PlanNode[] = [];
        walk(await explain(pool, ...statements[0]!), (node) => nodes.push(node));
        const scan = nodes.find((node) => node['Relation Name'] === 'ferry_turns');
        assert.match(scan?.['Node Type'] ?? '', /Index/);
        assert.equal(scan?.['Actual Rows'], 20);
      } finally {
        await store.close();
      }
    }));
});
