import type { Logger } from 'pino';
import type { Summarize } from '../../policies/fit-context/summarizer.js';
import { createContextWindowTable } from '../../tokens/context-windows.js';
import { countChatTokens } from '../../tokens/count-chat-tokens.js';
import { requestedCompletionTokens } from '../../tokens/count-prompt-tokens.js';
import { encodingForModel, type TokenEncoding } from '../../tokens/encodings.js';
import type { ClientIdentity, JsonObject, Policy } from '../../types.js';
import { ConversationLimitError } from '../conversation-errors.js';
import { checkId, turnBytes } from '../conversation-limits.js';
import type { ConversationStore } from '../conversation-store.js';
import type { ChatMessage, NewTurn } from '../conversation-types.js';
import type { ConversationsOptions } from './conversations-options.js';
import { answerOf, holdLastChunk } from './record-answer.js';
import { summarizeHistory, summaryKeepShare, summaryMessage } from './summarize-history.js';

/** Says what a turn did with the conversation's summary: `created` or `reused`. */
export const summaryHeader = 'x-ferry-summary';
/** The summary message's own framing (role, prefix line). */
const summaryOverheadTokens = 16;

/** The header that names a conversation. */
export const conversationHeader = 'x-ferry-conversation';
/** The body field that names one when no header can be set; removed before forwarding (the header wins). */
export const conversationField = 'ferry_conversation';

/** Who owns a caller's conversations: its tenant, else its client, else its key; `anonymous` on an open gateway. */
export const ownerOf = (client: ClientIdentity | undefined): string =>
  client?.tenant ?? client?.clientId ?? client?.keyId ?? 'anonymous';

const isInstruction = (message: JsonObject) => message.role === 'system' || message.role === 'developer';

/**
 * The conversations stage (at `fit`, before fit-context): a chat request naming a conversation
 * gets its stored history (the summary and the newest turns within the model's window) put
 * before its new messages, holds the conversation's turn lease while it runs (a concurrent turn
 * gets 409 `conversation_conflict`), and appends its new messages and the answer once the answer
 * completed. A failed or cut answer appends nothing.
 *
 * @example
 * policies.fit = loadConversation(() => storePromise, options.conversations, options.context, logger);
 */
export function loadConversation(
  storeOf: () => Promise<ConversationStore>,
  options: ConversationsOptions,
  context: {
    windowTokens: Record<string, number>;
    defaultWindowTokens: number;
    defaultCompletionTokens: number;
  },
  logger: Logger,
  summarizer?: { summarize: Summarize; maxSummaryTokens: number },
): Policy {
  const windowOf = createContextWindowTable(context.windowTokens, context.defaultWindowTokens);
  return (next) => async (request) => {
    const body = request.body;
    if (body === undefined || request.route.name !== 'chat.completions') return next(request);
    const header = request.request.headers[conversationHeader];
    const field = body[conversationField];
    if (header === undefined && field === undefined) return next(request);
    // The body field is for callers that cannot set headers (bot platforms); never forwarded.
    if (field !== undefined) {
      delete body[conversationField];
      request.bodyChanged = true;
    }
    const named = header ?? field;
    const id = Array.isArray(named) ? String(named[0] ?? '') : typeof named === 'string' ? named : '';
    checkId(id);
    const messages = Array.isArray(body.messages) ? (body.messages as JsonObject[]) : [];
    const owner = ownerOf(request.client);
    const store = await storeOf();
    const encoding = await encodingForModel(request.model);
    const newTurns = messages.filter((message) => !isInstruction(message)).map((m) => turnOf(m, encoding));

    const info = await store.ensure(id, owner, { ttlMs: options.ttlMs });
    // The limits are checked before any upstream is paid: the new messages and one answer must
    // fit. The answer's bytes are not known yet; one that passes maxBytes is refused at append.
    if (info.lastSeq + newTurns.length + 1 > options.maxTurns)
      throw new ConversationLimitError('turns', options.maxTurns);
    let newBytes = 0;
    for (const turn of newTurns) newBytes += turnBytes(turn);
    if (info.bytes + newBytes > options.maxBytes) throw new ConversationLimitError('bytes', options.maxBytes);
    const lease = await store.beginTurn(id, owner, options.leaseMs);
    let handedOver = false;
    const end = () => store.endTurn(id, owner, lease.token).catch(() => {});
    // Released on every path but a completed answer, whose transform appends and then releases.
    request.onSettle((_usage, failure) => {
      if (failure !== undefined || !handedOver) void end();
    });

    const completion = requestedCompletionTokens(body) ?? context.defaultCompletionTokens;
    const newTokens = newTurns.reduce((sum, turn) => sum + turn.tokens, 0);
    // With summaries, room is kept for one (it replaces the turns it covers).
    const reserve = summarizer === undefined ? 0 : summarizer.maxSummaryTokens + summaryOverheadTokens;
    const maxTokens = Math.max(0, windowOf(request.model) - completion - newTokens - reserve);
    const window = await store.readWindow(id, owner, { maxTurns: options.windowTurns, maxTokens });
    let summary = window?.summary as { text: string } | undefined;
    let turns = window?.turns ?? [];
    if (summarizer !== undefined && window !== undefined) {
      try {
        const fitted = await summarizeHistory({
          store,
          id,
          owner,
          window,
          summarize: summarizer.summarize,
          keepTokens: Math.floor(maxTokens * summaryKeepShare),
          encoding,
          signal: request.signal,
        });
        ({ summary, turns } = fitted);
        if (fitted.action !== undefined) request.responseHeaders[summaryHeader] = fitted.action;
      } catch (error) {
        if (request.aborted) throw error;
        // No summary: the window as read still fits (the oldest turns are left out this turn).
        request.record.summaryError = (error as { code?: string }).code ?? 'error';
        logger.warn({ requestId: request.requestId, err: error }, 'conversation summary failed');
      }
    }
    const history: JsonObject[] = [];
    if (summary !== undefined) history.push(summaryMessage(summary.text));
    for (const turn of turns) history.push(turn.message as unknown as JsonObject);
    body.messages = [
      ...messages.filter(isInstruction),
      ...history,
      ...messages.filter((message) => !isInstruction(message)),
    ];
    request.bodyChanged = true;
    request.promptTokens = undefined;
    request.responseHeaders[conversationHeader] = id;

    const response = await next(request);
    if (response.status !== 200 || response.body === undefined) return response;
    handedOver = true;
    request.transforms.push(
      holdLastChunk(async (bytes) => {
        try {
          const answer = await answerOf(bytes, request.stream);
          if (answer === undefined) return;
          await store.append(id, owner, [...newTurns, turnOf(answer as unknown as JsonObject, encoding)], {
            lease: lease.token,
            expectedSeq: lease.lastSeq,
          });
        } catch (error) {
          logger.warn({ requestId: request.requestId, err: error }, 'conversation turn not stored');
        } finally {
          await end();
        }
      }, end),
    );
    return response;
  };
}

const primed = new WeakMap<TokenEncoding, number>();

/** @internal A message as a turn to store, with its token count. */
export function turnOf(message: JsonObject, encoding: TokenEncoding): NewTurn {
  let base = primed.get(encoding);
  if (base === undefined) {
    base = countChatTokens({ messages: [] }, encoding);
    primed.set(encoding, base);
  }
  return {
    message: message as unknown as ChatMessage,
    tokens: Math.max(0, countChatTokens({ messages: [message] }, encoding) - base),
  };
}
