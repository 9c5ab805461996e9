import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when the server does not know it
 * yet (a restarted or failed-over Redis): the script body travels only when needed.
 */
export class RedisScript {
  readonly #sha: string;

  constructor(
    readonly source: string,
    readonly keyCount: number,
  ) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, this.keyCount, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, this.keyCount, ...keys, ...args);
    }
  }
}

// Scripts see only the keys of one conversation (one hash tag), so they are cluster-safe.
// Time is frozen while a script runs (Redis 7), so the keys it expires expire together; the
// meta hash is the authority: without it the conversation does not exist.

/** KEYS meta, turns, summary, lease. ARGV owner, id, now, ttlMs. Returns {created, meta}. */
export const ensureScript = new RedisScript(
  `if redis.call('EXISTS', KEYS[1]) == 1 then
  local ttl = redis.call('HGET', KEYS[1], 'ttlMs')
  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
  return {0, redis.call('HGETALL', KEYS[1])}
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'id', ARGV[2], 'createdAt', ARGV[3], 'updatedAt', ARGV[3],
  'ttlMs', ARGV[4], 'lastSeq', 0, 'bytes', 0, 'summarySeq', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, redis.call('HGETALL', KEYS[1])}`,
  4,
);

/** KEYS meta, lease. ARGV token, leaseMs. Returns {status, lastSeq, pttl}. */
export const beginTurnScript = new RedisScript(
  `if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', 0} end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeq'))
if not redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {'busy', last} end
return {'ok', last}`,
  2,
);

/** KEYS lease. ARGV token. Deletes the lease only when this token holds it. */
export const endTurnScript = new RedisScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`,
  1,
);

/**
 * KEYS meta, turns, summary, lease. ARGV expectedSeq|'', lease|'', now, maxTurns, maxBytes,
 * addedBytes, turn... Returns {status, lastSeq, createdAt, ttlMs}: 'ok' after appending, or why not.
 */
export const appendScript = new RedisScript(
  `if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', 0} end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeq'))
local lease = redis.call('GET', KEYS[4])
if ARGV[2] ~= '' then
  if lease ~= ARGV[2] then return {'lease', last} end
elseif lease then
  return {'busy', last}
end
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= last then return {'seq', last} end
local n = #ARGV - 6
if last + n > tonumber(ARGV[4]) then return {'turns', last} end
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes')) + tonumber(ARGV[6])
if bytes > tonumber(ARGV[5]) then return {'bytes', last} end
redis.call('RPUSH', KEYS[2], unpack(ARGV, 7))
redis.call('HSET', KEYS[1], 'lastSeq', last + n, 'bytes', bytes, 'updatedAt', ARGV[3])
local ttl = redis.call('HGET', KEYS[1], 'ttlMs')
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return {'ok', last + n, redis.call('HGET', KEYS[1], 'createdAt'), ttl}`,
  4,
);

/**
 * KEYS meta, turns, summary. ARGV maxTurns, afterSeq|''. One round trip, and LRANGE near the
 * list's tail costs O(maxTurns), not O(length). Returns false or {meta, summary|'', first, turns}.
 */
export const readWindowScript = new RedisScript(
  `local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return false end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeq'))
local after = tonumber(ARGV[2] ~= '' and ARGV[2] or redis.call('HGET', KEYS[1], 'summarySeq'))
local summary = redis.call('GET', KEYS[3]) or ''
local first = math.max(after, last - tonumber(ARGV[1]))
local turns = {}
if first < last then turns = redis.call('LRANGE', KEYS[2], first, last - 1) end
return {meta, summary, first, after, turns}`,
  3,
);

/** KEYS meta, turns. ARGV afterSeq, limit. Returns false or {first, turns}. */
export const readTurnsScript = new RedisScript(
  `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeq'))
local first = math.max(0, tonumber(ARGV[1]))
local stop = math.min(last, first + tonumber(ARGV[2])) - 1
if stop < first then return {first, {}} end
return {first, redis.call('LRANGE', KEYS[2], first, stop)}`,
  2,
);

/** KEYS meta, summary. ARGV throughSeq, json. Returns -1 missing, -2 past lastSeq, 0 kept, 1 stored. */
export const setSummaryScript = new RedisScript(
  `if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if tonumber(redis.call('HGET', KEYS[1], 'lastSeq')) < tonumber(ARGV[1]) then return -2 end
if tonumber(redis.call('HGET', KEYS[1], 'summarySeq')) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', redis.call('PTTL', KEYS[1]))
redis.call('HSET', KEYS[1], 'summarySeq', ARGV[1])
return 1`,
  2,
);

/** KEYS meta, turns, summary, lease. Deletes them all; returns the createdAt or false. */
export const deleteScript = new RedisScript(
  `local created = redis.call('HGET', KEYS[1], 'createdAt')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return created`,
  4,
);

/** KEYS index. ARGV score, member, ttlMs. Adds, and extends the index's TTL to at least ttlMs. */
export const indexAddScript = new RedisScript(
  `redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 0`,
  1,
);
