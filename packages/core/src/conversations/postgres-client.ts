import { createRequire } from 'node:module';
import type { Pool } from 'pg';

/** What the stores need of a query runner (a `pg` Pool or a client checked out of it). */
export interface PostgresQueryable {
  query<R = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * The part of a `pg` Pool the stores use, declared here so that Ferry's published types do not
 * depend on `@types/pg`: a `pg.Pool` fits it.
 */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresQueryable & { release(): void }>;
  end(): Promise<void>;
}

/** PostgreSQL connection options Ferry accepts. */
export interface PostgresConnectionOptions {
  /** `postgres://user@host:5432/database`. */
  url: string;
  /** Most pooled connections. Default 10. */
  maxConnections?: number;
}

const require = createRequire(import.meta.url);

/**
 * Creates a `pg` pool, loading `pg` only now: it is an optional peer dependency that a gateway
 * without PostgreSQL never needs (as ioredis is for Redis). Connection and statement timeouts
 * are set so that a database outage fails a request instead of hanging it.
 *
 * @example
 * const pool = createPostgresPool({ url: 'postgres://postgres@127.0.0.1:5432/ferry' });
 * const store = await createPostgresConversationStore(pool);
 */
export function createPostgresPool(options: PostgresConnectionOptions): PostgresPool {
  let PoolClass: typeof Pool;
  try {
    ({ Pool: PoolClass } = require('pg') as typeof import('pg'));
  } catch {
    throw new Error('Ferry needs the "pg" package for PostgreSQL: install pg@8 next to @ferry/core');
  }
  const pool = new PoolClass({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // would crash the process. The next query fails (and reconnects) instead.
  pool.on('error', () => {});
  return pool;
}
