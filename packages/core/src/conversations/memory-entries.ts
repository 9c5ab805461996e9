import { ConversationConflictError, ConversationNotFoundError } from './conversation-errors.js';
import type {
  AppendOptions,
  ConversationInfo,
  ConversationSummary,
  StoredResponse,
} from './conversation-types.js';
import { checkAppendGate, type EncodedTurn } from './plan-append.js';

/** One conversation held by the memory store. */
export interface MemoryConversation {
  info: ConversationInfo;
  turns: EncodedTurn[];
  summary: ConversationSummary | undefined;
  lease: { token: string; expiresAt: number } | undefined;
}

interface MemoryResponse {
  response: StoredResponse;
  expiresAt: number;
  bytes: number;
}

// Owner and id joined without ambiguity: the owner's length first.
const keyOf = (owner: string, id: string) => `${owner.length}:${owner}${id}`;
const summaryBytes = (summary: ConversationSummary | undefined) =>
  summary === undefined ? 0 : Buffer.byteLength(summary.text);

/**
 * The memory store's bookkeeping: two maps in least-recently-used order (a Map iterates in
 * insertion order, and every use re-inserts), an index per owner, and the byte total that
 * eviction keeps under its bound.
 */
export class MemoryEntries {
  readonly #conversations = new Map<string, MemoryConversation>();
  readonly #responses = new Map<string, MemoryResponse>();
  readonly #owners = new Map<string, { conversations: Set<string>; responses: Set<string> }>();
  #bytes = 0;

  constructor(
    private readonly bounds: { maxConversations: number; maxResponses: number; maxTotalBytes: number },
  ) {}

  /** The live conversation, marked as just used; expired ones are dropped here. */
  conversation(owner: string, id: string, now: number): MemoryConversation | undefined {
    const key = keyOf(owner, id);
    const conversation = this.#conversations.get(key);
    if (conversation === undefined) return undefined;
    if (conversation.info.expiresAt <= now) {
      this.deleteConversation(owner, id);
      return undefined;
    }
    this.#conversations.delete(key);
    this.#conversations.set(key, conversation);
    return conversation;
  }

  requireConversation(conversation: MemoryConversation | undefined, id: string): MemoryConversation {
    if (conversation === undefined) throw new ConversationNotFoundError(id);
    return conversation;
  }

  addConversation(conversation: MemoryConversation): void {
    const { owner, id } = conversation.info;
    this.#conversations.set(keyOf(owner, id), conversation);
    this.#ownerIndex(owner).conversations.add(id);
    this.#evict();
  }

  checkLeaseFree(conversation: MemoryConversation, id: string, now: number): void {
    const lease = conversation.lease;
    if (lease !== undefined && lease.expiresAt > now) {
      throw new ConversationConflictError(id, 'busy', conversation.info.lastSeq);
    }
  }

  /** The lease and `expectedSeq` checks of an append. */
  checkAppend(conversation: MemoryConversation, id: string, options: AppendOptions, now: number): void {
    const lease = conversation.lease;
    const liveLease = lease !== undefined && lease.expiresAt > now ? lease.token : undefined;
    checkAppendGate(id, { lastSeq: conversation.info.lastSeq, liveLease }, options);
  }

  grew(bytes: number): void {
    this.#bytes += bytes;
    this.#evict();
  }

  replaceSummary(conversation: MemoryConversation, summary: ConversationSummary): void {
    this.#bytes += summaryBytes(summary) - summaryBytes(conversation.summary);
    conversation.summary = summary;
    this.#evict();
  }

  /** The owner's live conversations (expired ones are dropped on the way). */
  conversationsOf(owner: string, now: number): MemoryConversation[] {
    const ids = this.#owners.get(owner)?.conversations ?? new Set<string>();
    const found: MemoryConversation[] = [];
    for (const id of [...ids]) {
      const conversation = this.#conversations.get(keyOf(owner, id));
      if (conversation === undefined) continue;
      if (conversation.info.expiresAt <= now) this.deleteConversation(owner, id);
      else found.push(conversation);
    }
    return found;
  }

  deleteConversation(owner: string, id: string): boolean {
    const key = keyOf(owner, id);
    const conversation = this.#conversations.get(key);
    if (conversation === undefined) return false;
    this.#conversations.delete(key);
    this.#bytes -= conversation.info.bytes + summaryBytes(conversation.summary);
    this.#owners.get(owner)?.conversations.delete(id);
    this.#dropOwnerIfEmpty(owner);
    return true;
  }

  putResponse(response: StoredResponse, expiresAt: number): void {
    this.deleteResponse(response.id, undefined);
    const bytes = Buffer.byteLength(JSON.stringify(response));
    this.#responses.set(response.id, { response, expiresAt, bytes });
    this.#ownerIndex(response.owner).responses.add(response.id);
    this.#bytes += bytes;
    this.#evict();
  }

  response(id: string, owner: string, now: number): StoredResponse | undefined {
    const entry = this.#responses.get(id);
    if (entry === undefined || entry.response.owner !== owner) return undefined;
    if (entry.expiresAt <= now) {
      this.deleteResponse(id, owner);
      return undefined;
    }
    this.#responses.delete(id);
    this.#responses.set(id, entry);
    return structuredClone(entry.response);
  }

  /** Deletes a response; with `owner` undefined whoever owns it (a replacement by id). */
  deleteResponse(id: string, owner: string | undefined): boolean {
    const entry = this.#responses.get(id);
    if (entry === undefined || (owner !== undefined && entry.response.owner !== owner)) return false;
    this.#responses.delete(id);
    this.#bytes -= entry.bytes;
    this.#owners.get(entry.response.owner)?.responses.delete(id);
    this.#dropOwnerIfEmpty(entry.response.owner);
    return true;
  }

  deleteOwner(owner: string): number {
    const index = this.#owners.get(owner);
    if (index === undefined) return 0;
    let deleted = 0;
    for (const id of [...index.conversations]) if (this.deleteConversation(owner, id)) deleted++;
    for (const id of [...index.responses]) if (this.deleteResponse(id, owner)) deleted++;
    this.#owners.delete(owner);
    return deleted;
  }

  sweep(now: number): void {
    for (const conversation of [...this.#conversations.values()]) {
      if (conversation.info.expiresAt <= now)
        this.deleteConversation(conversation.info.owner, conversation.info.id);
    }
    for (const entry of [...this.#responses.values()]) {
      if (entry.expiresAt <= now) this.deleteResponse(entry.response.id, entry.response.owner);
    }
  }

  /** How much the store holds now. */
  usage(): { conversations: number; responses: number; bytes: number } {
    return { conversations: this.#conversations.size, responses: this.#responses.size, bytes: this.#bytes };
  }

  clear(): void {
    this.#conversations.clear();
    this.#responses.clear();
    this.#owners.clear();
    this.#bytes = 0;
  }

  #ownerIndex(owner: string) {
    let index = this.#owners.get(owner);
    if (index === undefined) {
      index = { conversations: new Set(), responses: new Set() };
      this.#owners.set(owner, index);
    }
    return index;
  }

  #dropOwnerIfEmpty(owner: string): void {
    const index = this.#owners.get(owner);
    if (index !== undefined && index.conversations.size === 0 && index.responses.size === 0)
      this.#owners.delete(owner);
  }

  // Evicts least recently used entries until every bound holds. For the byte bound the older of
  // the two maps' heads goes first; conversations are evicted whole, never a part of their turns.
  #evict(): void {
    while (this.#conversations.size > this.bounds.maxConversations) this.#evictConversation();
    while (this.#responses.size > this.bounds.maxResponses) this.#evictResponse();
    while (this.#bytes > this.bounds.maxTotalBytes && this.#conversations.size + this.#responses.size > 1) {
      const conversation = this.#conversations.values().next().value;
      const response = this.#responses.values().next().value;
      const conversationUsed = conversation?.info.updatedAt ?? Number.POSITIVE_INFINITY;
      const responseUsed = response?.response.createdAt ?? Number.POSITIVE_INFINITY;
      if (conversationUsed <= responseUsed) this.#evictConversation();
      else this.#evictResponse();
    }
  }

  #evictConversation(): void {
    const oldest = this.#conversations.values().next().value;
    if (oldest !== undefined) this.deleteConversation(oldest.info.owner, oldest.info.id);
  }

  #evictResponse(): void {
    const oldest = this.#responses.values().next().value;
    if (oldest !== undefined) this.deleteResponse(oldest.response.id, oldest.response.owner);
  }
}
