/** A tool call an assistant message asked for, in OpenAI chat shape. */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * One chat message in OpenAI shape, stored as the client or the upstream sent it, so the gateway
 * can forward it again unchanged. `content` is a string, an array of content parts, or null (an
 * assistant message that only calls tools).
 */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string | readonly unknown[] | null;
  name?: string;
  tool_calls?: readonly ChatToolCall[];
  tool_call_id?: string;
}

/**
 * A turn to append: the message, its token count (counted once, when it is stored, so fitting
 * never tokenises history again) and whether it is a cut answer.
 *
 * @example
 * const turn: NewTurn = { message: { role: 'user', content: 'Hello' }, tokens: 3 };
 */
export interface NewTurn {
  message: ChatMessage;
  tokens: number;
  /** True for an assistant answer the upstream or the client cut before it completed. */
  incomplete?: boolean;
}

/** A stored turn: `seq` is 1 for the first turn of a conversation and grows by one per turn. */
export interface Turn {
  seq: number;
  message: ChatMessage;
  tokens: number;
  incomplete: boolean;
  /** Milliseconds since the epoch, when the turn was appended. */
  createdAt: number;
}

/** What a store knows about one conversation, without its turns. */
export interface ConversationInfo {
  id: string;
  owner: string;
  createdAt: number;
  updatedAt: number;
  /** When the conversation expires unless it is used again (sliding TTL). */
  expiresAt: number;
  ttlMs: number;
  /** The seq of the newest turn; 0 when there is none. Turns are numbered 1..lastSeq. */
  lastSeq: number;
  /** Bytes of the stored turns (their JSON), counted against `maxBytes`. */
  bytes: number;
}

/** A summary of the turns `1..throughSeq`, written by the fitting stage and reused by later turns. */
export interface ConversationSummary {
  text: string;
  throughSeq: number;
  tokens: number;
  createdAt: number;
}

/** What fitting reads: the conversation, its summary, and only the newest turns after it. */
export interface ConversationWindow {
  conversation: ConversationInfo;
  summary: ConversationSummary | undefined;
  /** Oldest first. */
  turns: Turn[];
  /** Turns after `afterSeq` that were left out by `maxTurns` or `maxTokens`. */
  olderTurns: number;
}

/** Options of {@link ConversationStore.readWindow}. */
export interface WindowOptions {
  /** The most turns to read; required, so a read is bounded whatever the conversation's length. */
  maxTurns: number;
  /** Stop before the turn that would take the returned turns' tokens over this budget. */
  maxTokens?: number;
  /** Read only turns with a larger seq. Defaults to the summary's `throughSeq` (0 without one). */
  afterSeq?: number;
}

/** Options of {@link ConversationStore.append}. */
export interface AppendOptions {
  /** Fail with a `ConversationConflictError` unless the newest turn is this seq. */
  expectedSeq?: number;
  /** The lease from `beginTurn`; without it an append fails while someone else holds a lease. */
  lease?: string;
}

/** A held turn lease: only its holder may append until it ends or expires. */
export interface TurnLease {
  token: string;
  /** The newest seq when the lease was taken: the state the turn was built on. */
  lastSeq: number;
  expiresAt: number;
}

/** One page of a listing; pass `nextCursor` back for the next page, absent on the last. */
export interface Page<T> {
  items: T[];
  nextCursor: string | undefined;
}

/**
 * A Responses API response kept for `previous_response_id`: its input and output items, so the
 * gateway can replay the chain to an upstream that keeps no state.
 */
export interface StoredResponse {
  id: string;
  owner: string;
  previousResponseId: string | null;
  input: readonly unknown[];
  output: readonly unknown[];
  /**
   * The upstream that produced it, the key it used and the upstream's own id for it: a
   * follow-up goes back there when that upstream keeps state. Absent for stateless upstreams.
   */
  upstream?: { name: string; key?: string; id: string } | undefined;
  createdAt: number;
}

/** Limits every store enforces; see `defaultConversationLimits`. */
export interface ConversationLimits {
  /** Most turns per conversation; an append past it fails with `ConversationLimitError('turns')`. */
  maxTurns: number;
  /** Most bytes of turns per conversation; an append past it fails with `'bytes'`. */
  maxBytes: number;
  /** Default sliding TTL of a conversation: it expires this long after it was last written. */
  ttlMs: number;
  /** TTL of a stored response (from when it was stored). */
  responseTtlMs: number;
  /** Longest `previous_response_id` chain a walk follows before `ConversationLimitError('chain')`. */
  maxChainDepth: number;
}
