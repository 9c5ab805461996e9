import { GatewayError } from '../errors.js';

/**
 * The conversation is missing, expired or another owner's (the three are indistinguishable).
 *
 * @example
 * if (error instanceof ConversationNotFoundError) // the gateway answers its 404 as it is
 */
export class ConversationNotFoundError extends GatewayError {
  constructor(id: string) {
    super('conversation_not_found', `No conversation with id '${id}' found.`, {
      param: 'x-ferry-conversation',
    });
    this.name = 'ConversationNotFoundError';
  }
}

/**
 * Why a turn was refused: `seq` (another turn was appended since `expectedSeq`), `busy` (another
 * request holds the turn lease), `lease` (this request's lease expired or was taken over).
 */
export type ConflictReason = 'seq' | 'busy' | 'lease';

/**
 * Two turns raced on one conversation; this one lost and nothing was written. A 409.
 *
 * @example
 * await assert.rejects(store.append(id, owner, turns, { expectedSeq: 4 }), ConversationConflictError);
 */
export class ConversationConflictError extends GatewayError {
  readonly reason: ConflictReason;
  /** The conversation's newest seq when the conflict was seen, when the store knows it. */
  readonly lastSeq: number | undefined;

  constructor(id: string, reason: ConflictReason, lastSeq?: number) {
    const why = {
      seq: 'another turn was added to it first',
      busy: 'another request is adding a turn to it',
      lease: 'this request no longer holds its turn',
    }[reason];
    super('conversation_conflict', `Conversation '${id}' changed: ${why}. Retry the request.`, {
      param: 'x-ferry-conversation',
    });
    this.name = 'ConversationConflictError';
    this.reason = reason;
    this.lastSeq = lastSeq;
  }
}

/** Which limit an operation would have passed. */
export type LimitKind = 'turns' | 'bytes' | 'chain';

/**
 * A turns, bytes or chain-depth limit would be passed; nothing was written. A 400: the client
 * must start a new conversation (or the operator raise the limit).
 */
export class ConversationLimitError extends GatewayError {
  readonly limit: LimitKind;

  constructor(limit: LimitKind, max: number) {
    const what = {
      turns: `The conversation reached its limit of ${max} turns`,
      bytes: `The conversation reached its limit of ${max} bytes`,
      chain: `The previous_response_id chain is longer than ${max} responses`,
    }[limit];
    super('conversation_limit_exceeded', `${what}; start a new one.`, {
      param: limit === 'chain' ? 'previous_response_id' : 'x-ferry-conversation',
    });
    this.name = 'ConversationLimitError';
    this.limit = limit;
  }
}

/**
 * A response in a `previous_response_id` chain is gone (deleted or expired), so the history
 * cannot be rebuilt. Replaying the rest would silently drop turns: this fails instead.
 */
export class BrokenChainError extends GatewayError {
  /** The response that is missing. */
  readonly missingId: string;
  /** How many responses back from the requested one it is (1 = its direct predecessor). */
  readonly depth: number;

  constructor(missingId: string, depth: number) {
    super(
      'previous_response_not_found',
      `Previous response with id '${missingId}' not found: the conversation history is incomplete.`,
      { param: 'previous_response_id' },
    );
    this.name = 'BrokenChainError';
    this.missingId = missingId;
    this.depth = depth;
  }
}
