import type {
  AppendOptions,
  ConversationInfo,
  ConversationSummary,
  ConversationWindow,
  NewTurn,
  Page,
  StoredResponse,
  Turn,
  TurnLease,
  WindowOptions,
} from './conversation-types.js';

/**
 * Server-side chat history and stored Responses API responses. Three implementations pass one
 * conformance suite: memory (the embedded default), Redis (a fleet) and PostgreSQL (durable).
 *
 * Ownership: a conversation is identified by its owner (the tenant/client identity the gateway
 * authenticated) *and* its id. Two owners may use the same id and never see each other's turns;
 * every method takes the owner, and another owner's conversation is simply not there. So the
 * gateway answers 404, never 403, and learns nothing about ids other owners use. Responses have
 * globally unique ids; one owned by someone else reads as missing too.
 *
 * Missing means missing, expired, or another owner's: reads return `undefined` (or `false`),
 * writes to a conversation throw `ConversationNotFoundError`.
 *
 * @example
 * const store = createMemoryConversationStore();
 * await store.ensure('support-42', 'tenant-a');
 * const lease = await store.beginTurn('support-42', 'tenant-a', 120_000);
 * const window = await store.readWindow('support-42', 'tenant-a', { maxTurns: 50, maxTokens: 6_000 });
 * // ... forward window.summary + window.turns + the new message, stream the answer ...
 * await store.append('support-42', 'tenant-a', [userTurn, assistantTurn], { lease: lease.token });
 * await store.endTurn('support-42', 'tenant-a', lease.token);
 */
export interface ConversationStore {
  readonly kind: 'memory' | 'redis' | 'postgres';

  /**
   * Creates the conversation, or touches an existing one (its sliding TTL starts again). An
   * expired conversation is replaced by a new, empty one: its old turns never come back.
   * `ttlMs` overrides the store's default for a new conversation.
   */
  ensure(id: string, owner: string, options?: { ttlMs?: number }): Promise<ConversationInfo>;

  /** The conversation without its turns, or undefined. */
  get(id: string, owner: string): Promise<ConversationInfo | undefined>;

  /**
   * Takes the conversation's turn lease for `leaseMs`: until it ends or expires, only appends
   * that present its token succeed. Throws `ConversationConflictError('busy')` while another
   * lease is held, so the gateway answers 409 before it calls an upstream.
   */
  beginTurn(id: string, owner: string, leaseMs: number): Promise<TurnLease>;

  /** Releases a lease; a no-op when the token no longer holds it (expired, or taken over). */
  endTurn(id: string, owner: string, token: string): Promise<void>;

  /**
   * Appends turns atomically, numbered `lastSeq + 1...`, and returns them. Refreshes the TTL.
   * Throws `ConversationConflictError` when `expectedSeq` is not the newest seq (`'seq'`), when
   * `lease` no longer holds the conversation (`'lease'`), or without a lease while another one is
   * held (`'busy'`); `ConversationLimitError` when the turns or bytes limit would be passed
   * (nothing is appended then).
   */
  append(id: string, owner: string, turns: readonly NewTurn[], options?: AppendOptions): Promise<Turn[]>;

  /**
   * The newest turns after `afterSeq` (default: the summary's `throughSeq`), at most `maxTurns`
   * and within `maxTokens`, plus the summary. Its cost depends on `maxTurns`, not on the length
   * of the conversation. Undefined when the conversation is missing.
   */
  readWindow(id: string, owner: string, options: WindowOptions): Promise<ConversationWindow | undefined>;

  /**
   * Stores a summary of turns `1..throughSeq`. Keeps the stored one, and returns false, when it
   * already covers as much or more (two turns that summarised at once: the wider summary stays).
   */
  setSummary(id: string, owner: string, summary: Omit<ConversationSummary, 'createdAt'>): Promise<boolean>;

  /** Turns with seq > `afterSeq`, oldest first, at most `limit`: pages of an export. */
  readTurns(id: string, owner: string, afterSeq: number, limit: number): Promise<Turn[] | undefined>;

  /** The owner's conversations, newest created first, `limit` per page. */
  list(owner: string, options: { limit: number; cursor?: string }): Promise<Page<ConversationInfo>>;

  /** Erases the conversation: turns, summary, lease. True when there was one. */
  delete(id: string, owner: string): Promise<boolean>;

  /** Erases every conversation and stored response of the owner; returns how many items went. */
  deleteOwner(owner: string): Promise<number>;

  /**
   * Stores a response for `responseTtlMs`. Ids are the gateway's own (`resp_...`), unique, never
   * a client's choice; storing an id again replaces the response.
   */
  putResponse(response: Omit<StoredResponse, 'createdAt'>): Promise<StoredResponse>;

  /** The stored response, or undefined when missing, expired or another owner's. */
  getResponse(id: string, owner: string): Promise<StoredResponse | undefined>;

  /** Erases a stored response; true when there was one. */
  deleteResponse(id: string, owner: string): Promise<boolean>;

  /**
   * The chain ending at `id`, oldest first, following `previousResponseId`. Undefined when `id`
   * itself is missing; throws `BrokenChainError` when a response further back is missing (the
   * gateway must not replay a silently truncated history) and `ConversationLimitError('chain')`
   * past `maxChainDepth`.
   */
  walkChain(id: string, owner: string): Promise<StoredResponse[] | undefined>;

  /** Stops timers and, for stores that own their connection, closes it. */
  close(): Promise<void>;
}
