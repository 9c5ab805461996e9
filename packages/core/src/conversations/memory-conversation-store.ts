import { randomUUID } from 'node:crypto';
import { BrokenChainError, ConversationLimitError } from './conversation-errors.js';
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
import type { ConversationLimits, ConversationSummary, StoredResponse, Turn } from './conversation-types.js';
import { type MemoryConversation, MemoryEntries } from './memory-entries.js';
import { checkSummary, planAppend } from './plan-append.js';

/** Options of {@link createMemoryConversationStore}. */
export interface MemoryConversationStoreOptions {
  limits?: Partial<ConversationLimits>;
  /** Most conversations kept; past it the least recently used one is evicted. Default 10 000. */
  maxConversations?: number;
  /** Most stored responses kept; past it the least recently used is evicted. Default 10 000. */
  maxResponses?: number;
  /** Most bytes of turns, summaries and responses in all; LRU eviction past it. Default 256 MiB. */
  maxTotalBytes?: number;
  /** How often expired entries are swept (they are also dropped when read). Default 30 s. */
  sweepIntervalMs?: number;
}

/** The memory store, with what it holds and a counter of the turns its reads copied out. */
export interface MemoryConversationStore extends ConversationStore {
  /** `turnsRead` grows by the turns a read returned or skipped: bounded by `maxTurns` per read. */
  readonly stats: { turnsRead: number };
  /** Conversations, responses and bytes held now (expired entries count until swept or read). */
  usage(): { conversations: number; responses: number; bytes: number };
}

/**
 * Conversations in this process's memory: the embedded default. Bounded by count and bytes with
 * least-recently-used eviction, so a busy gateway forgets its oldest idle conversations rather
 * than growing without end; lost on restart and not shared between instances.
 *
 * @example
 * const store = createMemoryConversationStore({ maxConversations: 1_000, limits: { ttlMs: 3_600_000 } });
 */
export function createMemoryConversationStore(
  options: MemoryConversationStoreOptions = {},
): MemoryConversationStore {
  const limits = resolveLimits(options.limits);
  const entries = new MemoryEntries({
    maxConversations: options.maxConversations ?? 10_000,
    maxResponses: options.maxResponses ?? 10_000,
    maxTotalBytes: options.maxTotalBytes ?? 256 * 1024 * 1024,
  });
  const stats = { turnsRead: 0 };
  const sweep = setInterval(() => entries.sweep(Date.now()), options.sweepIntervalMs ?? 30_000);
  sweep.unref();

  const find = (id: string, owner: string): MemoryConversation | undefined => {
    checkId(id);
    checkOwner(owner);
    return entries.conversation(owner, id, Date.now());
  };
  const require = (id: string, owner: string) => entries.requireConversation(find(id, owner), id);
  const touch = (conversation: MemoryConversation, now: number) => {
    conversation.info.updatedAt = now;
    conversation.info.expiresAt = now + conversation.info.ttlMs;
  };
  const toTurn = (conversation: MemoryConversation, index: number): Turn => {
    const stored = conversation.turns[index]!;
    stats.turnsRead++;
    return {
      seq: index + 1,
      message: JSON.parse(stored.json),
      tokens: stored.tokens,
      incomplete: stored.incomplete,
      createdAt: stored.createdAt,
    };
  };

  return {
    kind: 'memory',
    stats,
    usage: () => entries.usage(),
    async ensure(id, owner, ensureOptions = {}) {
      const now = Date.now();
      const existing = find(id, owner);
      if (existing !== undefined) {
        touch(existing, now);
        return { ...existing.info };
      }
      const ttlMs = ensureOptions.ttlMs ?? limits.ttlMs;
      checkDuration('ttlMs', ttlMs);
      const info = {
        id,
        owner,
        createdAt: now,
        updatedAt: now,
        expiresAt: now + ttlMs,
        ttlMs,
        lastSeq: 0,
        bytes: 0,
      };
      entries.addConversation({ info, turns: [], summary: undefined, lease: undefined });
      return { ...info };
    },
    async get(id, owner) {
      const conversation = find(id, owner);
      return conversation === undefined ? undefined : { ...conversation.info };
    },
    async beginTurn(id, owner, leaseMs) {
      checkDuration('leaseMs', leaseMs);
      const conversation = require(id, owner);
      const now = Date.now();
      entries.checkLeaseFree(conversation, id, now);
      const lease = { token: randomUUID(), expiresAt: now + leaseMs };
      conversation.lease = lease;
      return { ...lease, lastSeq: conversation.info.lastSeq };
    },
    async endTurn(id, owner, token) {
      const conversation = find(id, owner);
      if (conversation?.lease?.token === token) conversation.lease = undefined;
    },
    async append(id, owner, turns, appendOptions = {}) {
      const conversation = require(id, owner);
      const now = Date.now();
      entries.checkAppend(conversation, id, appendOptions, now);
      const plan = planAppend(conversation.info, turns, limits, now);
      for (const turn of plan.turns) conversation.turns.push(turn);
      conversation.info.lastSeq += plan.turns.length;
      conversation.info.bytes += plan.bytes;
      touch(conversation, now);
      entries.grew(plan.bytes);
      return plan.turns.map((_, index) => toTurn(conversation, plan.firstSeq - 1 + index));
    },
    async readWindow(id, owner, windowOptions) {
      checkPageLimit(windowOptions.maxTurns);
      const conversation = find(id, owner);
      if (conversation === undefined) return undefined;
      const summary = conversation.summary === undefined ? undefined : { ...conversation.summary };
      const afterSeq = windowOptions.afterSeq ?? summary?.throughSeq ?? 0;
      const { lastSeq } = conversation.info;
      const first = Math.max(afterSeq, lastSeq - windowOptions.maxTurns);
      const candidates: Turn[] = [];
      for (let index = first; index < lastSeq; index++) candidates.push(toTurn(conversation, index));
      const turns = fitTokens(candidates, windowOptions.maxTokens);
      const olderTurns = Math.max(0, lastSeq - afterSeq) - turns.length;
      return { conversation: { ...conversation.info }, summary, turns, olderTurns };
    },
    async setSummary(id, owner, summary) {
      const conversation = require(id, owner);
      checkSummary(summary, conversation.info.lastSeq);
      if (conversation.summary !== undefined && conversation.summary.throughSeq >= summary.throughSeq)
        return false;
      const stored: ConversationSummary = { ...summary, createdAt: Date.now() };
      entries.replaceSummary(conversation, stored);
      return true;
    },
    async readTurns(id, owner, afterSeq, limit) {
      checkPageLimit(limit);
      const conversation = find(id, owner);
      if (conversation === undefined) return undefined;
      const turns: Turn[] = [];
      const end = Math.min(conversation.info.lastSeq, afterSeq + limit);
      for (let index = Math.max(0, afterSeq); index < end; index++) turns.push(toTurn(conversation, index));
      return turns;
    },
    async list(owner, listOptions) {
      checkOwner(owner);
      checkPageLimit(listOptions.limit);
      const after = listOptions.cursor === undefined ? undefined : decodeCursor(listOptions.cursor);
      const sorted = entries
        .conversationsOf(owner, Date.now())
        .map((conversation) => conversation.info)
        .filter(
          (info) =>
            after === undefined ||
            info.createdAt < after.createdAt ||
            (info.createdAt === after.createdAt && info.id < after.id),
        )
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const items = sorted.slice(0, listOptions.limit).map((info) => ({ ...info }));
      const last = items.at(-1);
      const more = sorted.length > items.length && last !== undefined;
      return { items, nextCursor: more ? encodeCursor(last.createdAt, last.id) : undefined };
    },
    async delete(id, owner) {
      checkId(id);
      checkOwner(owner);
      return entries.deleteConversation(owner, id);
    },
    async deleteOwner(owner) {
      checkOwner(owner);
      return entries.deleteOwner(owner);
    },
    async putResponse(response) {
      checkId(response.id, 'response');
      checkOwner(response.owner);
      if (response.previousResponseId !== null) checkId(response.previousResponseId, 'response');
      const now = Date.now();
      const stored: StoredResponse = JSON.parse(JSON.stringify({ ...response, createdAt: now }));
      entries.putResponse(stored, now + limits.responseTtlMs);
      return stored;
    },
    async getResponse(id, owner) {
      checkId(id, 'response');
      checkOwner(owner);
      return entries.response(id, owner, Date.now());
    },
    async deleteResponse(id, owner) {
      checkId(id, 'response');
      checkOwner(owner);
      return entries.deleteResponse(id, owner);
    },
    async walkChain(id, owner) {
      const head = await this.getResponse(id, owner);
      if (head === undefined) return undefined;
      const chain = [head];
      for (let link = head; link.previousResponseId !== null; ) {
        if (chain.length >= limits.maxChainDepth)
          throw new ConversationLimitError('chain', limits.maxChainDepth);
        const previous = entries.response(link.previousResponseId, owner, Date.now());
        if (previous === undefined) throw new BrokenChainError(link.previousResponseId, chain.length);
        chain.push(previous);
        link = previous;
      }
      return chain.reverse();
    },
    async close() {
      clearInterval(sweep);
      entries.clear();
    },
  };
}
