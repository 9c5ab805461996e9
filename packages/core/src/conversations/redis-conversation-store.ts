import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  ConversationConflictError,
  ConversationLimitError,
  ConversationNotFoundError,
} from './conversation-errors.js';
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
import type { ConversationInfo, ConversationLimits, Turn } from './conversation-types.js';
import { checkSummary, encodeTurns } from './plan-append.js';
import { conversationKeys, indexMember, ownerKeys, parseIndexMember } from './redis-conversation-keys.js';
import {
  appendScript,
  beginTurnScript,
  deleteScript,
  endTurnScript,
  ensureScript,
  indexAddScript,
  readTurnsScript,
  readWindowScript,
  setSummaryScript,
} from './redis-conversation-scripts.js';
import { createRedisResponses } from './redis-responses.js';

/** Options of {@link createRedisConversationStore}. */
export interface RedisConversationStoreOptions {
  /** Prepended to every key (no `{` or `}`). Default `ferry:`. */
  prefix?: string;
  limits?: Partial<ConversationLimits>;
}

const metaOf = (fields: Record<string, string>): ConversationInfo => {
  const updatedAt = Number(fields.updatedAt);
  const ttlMs = Number(fields.ttlMs);
  return {
    id: fields.id ?? '',
    owner: fields.owner ?? '',
    createdAt: Number(fields.createdAt),
    updatedAt,
    expiresAt: updatedAt + ttlMs,
    ttlMs,
    lastSeq: Number(fields.lastSeq),
    bytes: Number(fields.bytes),
  };
};
const pairs = (flat: string[]): Record<string, string> => {
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) fields[flat[index]!] = flat[index + 1]!;
  return fields;
};
// A list element: the turn's fields around its message JSON, which is spliced in unparsed.
const encodeElement = (turn: { json: string; tokens: number; incomplete: boolean; createdAt: number }) =>
  `{"t":${turn.tokens},"i":${turn.incomplete ? 1 : 0},"c":${turn.createdAt},"m":${turn.json}}`;
const decodeElement = (element: string, seq: number): Turn => {
  const { t, i, c, m } = JSON.parse(element) as { t: number; i: number; c: number; m: Turn['message'] };
  return { seq, message: m, tokens: t, incomplete: i === 1, createdAt: c };
};

/**
 * Conversations on Redis, shared by a fleet: each conversation is a hash (meta), a list
 * (turns), a summary string and a lease key, all under one hash tag and all expiring together
 * (sliding TTL, refreshed by every write). Every change to a conversation is one Lua script,
 * so it is atomic and serialised by Redis. Pass a client made by `createRedisClient` (offline
 * queue off: a Redis outage fails the call at once instead of hanging it).
 *
 * @example
 * const redis = createRedisClient({ url: 'redis://127.0.0.1:6379' });
 * const store = createRedisConversationStore(redis, { prefix: 'ferry:' });
 */
export function createRedisConversationStore(
  redis: Redis,
  options: RedisConversationStoreOptions = {},
): ConversationStore {
  const prefix = options.prefix ?? 'ferry:';
  const limits = resolveLimits(options.limits);
  const responses = createRedisResponses(redis, prefix, limits);
  const keysOf = (id: string, owner: string) => {
    checkId(id);
    checkOwner(owner);
    return conversationKeys(prefix, owner, id);
  };
  const indexAdd = (owner: string, info: { createdAt: number; id: string; ttlMs: number }) =>
    indexAddScript.run(
      redis,
      [ownerKeys(prefix, owner).conversations],
      [0, indexMember(info.createdAt, info.id), info.ttlMs],
    );
  const conflict = (id: string, status: string, lastSeq: number): never => {
    if (status === 'missing') throw new ConversationNotFoundError(id);
    if (status === 'turns') throw new ConversationLimitError('turns', limits.maxTurns);
    if (status === 'bytes') throw new ConversationLimitError('bytes', limits.maxBytes);
    throw new ConversationConflictError(id, status as 'seq' | 'busy' | 'lease', lastSeq);
  };

  return {
    kind: 'redis',
    async ensure(id, owner, ensureOptions = {}) {
      const keys = keysOf(id, owner);
      const ttlMs = ensureOptions.ttlMs ?? limits.ttlMs;
      checkDuration('ttlMs', ttlMs);
      const [, flat] = (await ensureScript.run(
        redis,
        [keys.meta, keys.turns, keys.summary, keys.lease],
        [owner, id, Date.now(), ttlMs],
      )) as [number, string[]];
      const info = metaOf(pairs(flat));
      // The owner index lives on another slot: a separate, idempotent command, on every touch so
      // that the index never expires before a conversation it lists.
      await indexAdd(owner, info);
      return info;
    },
    async get(id, owner) {
      const fields = await redis.hgetall(keysOf(id, owner).meta);
      return fields.owner === undefined ? undefined : metaOf(fields);
    },
    async beginTurn(id, owner, leaseMs) {
      checkDuration('leaseMs', leaseMs);
      const keys = keysOf(id, owner);
      const token = randomUUID();
      const expiresAt = Date.now() + leaseMs;
      const [status, lastSeq] = (await beginTurnScript.run(
        redis,
        [keys.meta, keys.lease],
        [token, leaseMs],
      )) as [string, number];
      if (status !== 'ok') conflict(id, status, lastSeq);
      return { token, lastSeq, expiresAt };
    },
    async endTurn(id, owner, token) {
      await endTurnScript.run(redis, [keysOf(id, owner).lease], [token]);
    },
    async append(id, owner, turns, appendOptions = {}) {
      const keys = keysOf(id, owner);
      const now = Date.now();
      const encoded = encodeTurns(turns, now);
      if (encoded.turns.length > 1_000) throw new TypeError('append at most 1000 turns at once');
      const [status, lastSeq, createdAt, ttlMs] = (await appendScript.run(
        redis,
        [keys.meta, keys.turns, keys.summary, keys.lease],
        [
          appendOptions.expectedSeq ?? '',
          appendOptions.lease ?? '',
          now,
          limits.maxTurns,
          limits.maxBytes,
          encoded.bytes,
          ...encoded.turns.map(encodeElement),
        ],
      )) as [string, number, string, string];
      if (status !== 'ok') conflict(id, status, lastSeq);
      const first = lastSeq - encoded.turns.length + 1;
      await indexAdd(owner, { createdAt: Number(createdAt), id, ttlMs: Number(ttlMs) });
      return encoded.turns.map((turn, index) => ({
        seq: first + index,
        message: JSON.parse(turn.json),
        tokens: turn.tokens,
        incomplete: turn.incomplete,
        createdAt: turn.createdAt,
      }));
    },
    async readWindow(id, owner, windowOptions) {
      checkPageLimit(windowOptions.maxTurns);
      const keys = keysOf(id, owner);
      const reply = (await readWindowScript.run(
        redis,
        [keys.meta, keys.turns, keys.summary],
        [windowOptions.maxTurns, windowOptions.afterSeq ?? ''],
      )) as [string[], string, number, number, string[]] | null;
      if (reply === null) return undefined;
      const [flat, summaryJson, first, after, elements] = reply;
      const conversation = metaOf(pairs(flat));
      const candidates = elements.map((element, index) => decodeElement(element, first + index + 1));
      const turns = fitTokens(candidates, windowOptions.maxTokens);
      const summary = summaryJson === '' ? undefined : JSON.parse(summaryJson);
      const olderTurns = Math.max(0, conversation.lastSeq - after) - turns.length;
      return { conversation, summary, turns, olderTurns };
    },
    async setSummary(id, owner, summary) {
      const keys = keysOf(id, owner);
      checkSummary(summary, Number.POSITIVE_INFINITY);
      const json = JSON.stringify({ ...summary, createdAt: Date.now() });
      const result = await setSummaryScript.run(redis, [keys.meta, keys.summary], [summary.throughSeq, json]);
      if (result === -1) throw new ConversationNotFoundError(id);
      if (result === -2) checkSummary(summary, (await this.get(id, owner))?.lastSeq ?? 0);
      return result === 1;
    },
    async readTurns(id, owner, afterSeq, limit) {
      checkPageLimit(limit);
      const keys = keysOf(id, owner);
      const reply = (await readTurnsScript.run(redis, [keys.meta, keys.turns], [afterSeq, limit])) as
        | [number, string[]]
        | null;
      if (reply === null) return undefined;
      const [first, elements] = reply;
      return elements.map((element, index) => decodeElement(element, first + index + 1));
    },
    async list(owner, listOptions) {
      checkOwner(owner);
      checkPageLimit(listOptions.limit);
      const index = ownerKeys(prefix, owner).conversations;
      const after = listOptions.cursor === undefined ? undefined : decodeCursor(listOptions.cursor);
      let position = after === undefined ? '+' : `(${indexMember(after.createdAt, after.id)}`;
      const items: ConversationInfo[] = [];
      // Members of expired conversations are pruned as they are met, so a page may take more
      // than one batch; each batch is one ZRANGE plus one HGETALL per member.
      for (;;) {
        const batch = await redis.zrange(
          index,
          position,
          '-',
          'BYLEX',
          'REV',
          'LIMIT',
          0,
          listOptions.limit + 1,
        );
        for (const member of batch) {
          if (items.length === listOptions.limit) {
            const last = items.at(-1)!;
            return { items, nextCursor: encodeCursor(last.createdAt, last.id) };
          }
          const { id, createdAt } = parseIndexMember(member);
          const info = await this.get(id, owner);
          // A member of an expired conversation, or of an earlier one that had the same id.
          if (info === undefined || info.createdAt !== createdAt) await redis.zrem(index, member);
          else items.push(info);
          position = `(${member}`;
        }
        if (batch.length < listOptions.limit + 1) return { items, nextCursor: undefined };
      }
    },
    async delete(id, owner) {
      const keys = keysOf(id, owner);
      const created = await deleteScript.run(redis, [keys.meta, keys.turns, keys.summary, keys.lease], []);
      if (created === null) return false;
      await redis.zrem(ownerKeys(prefix, owner).conversations, indexMember(Number(created), id));
      return true;
    },
    async deleteOwner(owner) {
      checkOwner(owner);
      const index = ownerKeys(prefix, owner);
      let deleted = 0;
      for (const member of await redis.zrange(index.conversations, 0, -1)) {
        const keys = conversationKeys(prefix, owner, parseIndexMember(member).id);
        if ((await redis.del(keys.meta, keys.turns, keys.summary, keys.lease)) > 0) deleted++;
      }
      await redis.del(index.conversations);
      return deleted + (await responses.deleteOwner(owner));
    },
    putResponse: responses.put,
    getResponse: responses.get,
    deleteResponse: responses.delete,
    walkChain: responses.walkChain,
    async close() {
      // The connection is owned by whoever created it (the gateway closes it once).
    },
  };
}
