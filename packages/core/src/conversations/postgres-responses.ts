import { BrokenChainError, ConversationLimitError } from './conversation-errors.js';
import { checkId, checkOwner } from './conversation-limits.js';
import type { ConversationLimits, StoredResponse } from './conversation-types.js';
import type { PostgresPool } from './postgres-client.js';
import type { postgresTables } from './postgres-migrations.js';
import { after, ms, nowMs } from './postgres-sql.js';

interface ResponseRow {
  id: string;
  owner: string;
  previous_response_id: string | null;
  input: unknown[];
  output: unknown[];
  upstream: StoredResponse['upstream'] | null;
  created_at: number;
}

const columns = `r.id, r.owner, r.previous_response_id, r.input, r.output, r.upstream, ${ms('r.created_at')} AS created_at`;
const toResponse = (row: ResponseRow): StoredResponse => ({
  id: row.id,
  owner: row.owner,
  previousResponseId: row.previous_response_id,
  input: row.input,
  output: row.output,
  ...(row.upstream === null ? {} : { upstream: row.upstream }),
  createdAt: row.created_at,
});

/**
 * Stored Responses API responses in PostgreSQL. A chain is read in one recursive query that
 * stops at the first missing link (or at `maxChainDepth`), so a broken chain is detected, not
 * silently shortened. `previous_response_id` is deliberately no foreign key: deleting a response
 * in the middle of a chain must stay possible (privacy) and must break the chain visibly.
 *
 * @example
 * const responses = createPostgresResponses(pool, postgresTables('public'), limits);
 * const chain = await responses.walkChain('resp_3', 'tenant-a'); // oldest first
 */
export function createPostgresResponses(
  pool: PostgresPool,
  t: ReturnType<typeof postgresTables>,
  limits: Pick<ConversationLimits, 'responseTtlMs' | 'maxChainDepth'>,
) {
  const responses = {
    async put(response: Omit<StoredResponse, 'createdAt'>): Promise<StoredResponse> {
      checkId(response.id, 'response');
      checkOwner(response.owner);
      if (response.previousResponseId !== null) checkId(response.previousResponseId, 'response');
      const { rows } = await pool.query<ResponseRow>(
        `INSERT INTO ${t.responses} AS r (id, owner, previous_response_id, input, output, upstream, created_at, expires_at)
         VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $7::jsonb, ${nowMs}, ${after('$6::bigint')})
         ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, previous_response_id = EXCLUDED.previous_response_id,
           input = EXCLUDED.input, output = EXCLUDED.output, upstream = EXCLUDED.upstream, created_at = EXCLUDED.created_at,
           expires_at = EXCLUDED.expires_at
         RETURNING ${columns}`,
        [
          response.id,
          response.owner,
          response.previousResponseId,
          JSON.stringify(response.input),
          JSON.stringify(response.output),
          limits.responseTtlMs,
          response.upstream === undefined ? null : JSON.stringify(response.upstream),
        ],
      );
      return toResponse(rows[0]!);
    },
    async get(id: string, owner: string): Promise<StoredResponse | undefined> {
      checkId(id, 'response');
      checkOwner(owner);
      const { rows } = await pool.query<ResponseRow>(
        `SELECT ${columns} FROM ${t.responses} r WHERE r.id = $1 AND r.owner = $2 AND r.expires_at > now()`,
        [id, owner],
      );
      return rows[0] === undefined ? undefined : toResponse(rows[0]);
    },
    async delete(id: string, owner: string): Promise<boolean> {
      checkId(id, 'response');
      checkOwner(owner);
      const { rows } = await pool.query<{ live: boolean }>(
        `DELETE FROM ${t.responses} WHERE id = $1 AND owner = $2 RETURNING expires_at > now() AS live`,
        [id, owner],
      );
      return rows[0]?.live === true;
    },
    async walkChain(id: string, owner: string): Promise<StoredResponse[] | undefined> {
      checkId(id, 'response');
      checkOwner(owner);
      const { rows } = await pool.query<ResponseRow & { depth: number }>(
        `WITH RECURSIVE chain AS (
           SELECT ${columns}, 1 AS depth FROM ${t.responses} r
           WHERE r.id = $1 AND r.owner = $2 AND r.expires_at > now()
           UNION ALL
           SELECT ${columns}, chain.depth + 1 FROM ${t.responses} r JOIN chain ON r.id = chain.previous_response_id
           WHERE r.owner = $2 AND r.expires_at > now() AND chain.depth < $3
         ) SELECT * FROM chain ORDER BY depth`,
        [id, owner, limits.maxChainDepth],
      );
      if (rows.length === 0) return undefined;
      const oldest = rows.at(-1)!;
      if (oldest.previous_response_id !== null) {
        if (rows.length >= limits.maxChainDepth)
          throw new ConversationLimitError('chain', limits.maxChainDepth);
        throw new BrokenChainError(oldest.previous_response_id, rows.length);
      }
      return rows.reverse().map(toResponse);
    },
    async deleteOwner(owner: string): Promise<number> {
      const { rows } = await pool.query<{ live: boolean }>(
        `DELETE FROM ${t.responses} WHERE owner = $1 RETURNING expires_at > now() AS live`,
        [owner],
      );
      return rows.filter((row) => row.live).length;
    },
    async purgeExpired(): Promise<number> {
      const { rowCount } = await pool.query(`DELETE FROM ${t.responses} WHERE expires_at <= now()`);
      return rowCount ?? 0;
    },
  };
  return responses;
}
