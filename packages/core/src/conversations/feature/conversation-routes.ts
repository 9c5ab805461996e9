import type { ClientDirectory } from '../../clients/client-directory.js';
import { GatewayError } from '../../errors.js';
import type { InternalRoute } from '../../feature.js';
import { presentedKey } from '../../policies/authenticate.js';
import type { GatewayRequest, GatewayResponse } from '../../types.js';
import { ConversationNotFoundError } from '../conversation-errors.js';
import { checkId } from '../conversation-limits.js';
import type { ConversationStore } from '../conversation-store.js';
import type { ConversationInfo } from '../conversation-types.js';
import { exportConversation } from '../export-conversation.js';
import { ownerOf } from './load-conversation.js';

/** @internal A JSON answer of an internal route. */
export const json = (status: number, value: unknown): GatewayResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(value)),
});

/**
 * @internal The owner of a management call: the caller's client key (the same keys as the API),
 * `anonymous` on a gateway without keys. A missing or wrong key is 401.
 */
export function requestOwner(clients: ClientDirectory): (request: GatewayRequest) => string {
  return (request) => {
    if (clients.keyCount === 0) return ownerOf(undefined);
    const key = presentedKey(request.headers);
    const identity = key === undefined ? undefined : clients.identify(key);
    if (identity === undefined) throw new GatewayError('invalid_api_key', 'Incorrect API key provided.');
    return ownerOf(identity);
  };
}

const infoOf = (info: ConversationInfo) => ({
  id: info.id,
  object: 'ferry.conversation',
  created_at: info.createdAt,
  updated_at: info.updatedAt,
  expires_at: info.expiresAt,
  turns: info.lastSeq,
  bytes: info.bytes,
});

/**
 * The management API of the caller's own conversations (the same client keys as the API):
 * `GET /ferry/conversations` (paged: `limit`, `after`), `GET|DELETE /ferry/conversations/{id}`
 * and `DELETE /ferry/conversations` (all of them). Another owner's id is 404.
 *
 * @example
 * routes: conversationRoutes(() => store, setup.clients)
 */
export function conversationRoutes(
  storeOf: () => Promise<ConversationStore>,
  clients: ClientDirectory,
): InternalRoute[] {
  const owner = requestOwner(clients);
  const idOf = (request: GatewayRequest, what: 'conversation' | 'response' = 'conversation') => {
    let id: string;
    try {
      id = decodeURIComponent(request.path.slice(request.path.lastIndexOf('/') + 1));
    } catch {
      id = '';
    }
    checkId(id, what);
    return id;
  };
  const responseNotFound = (id: string) =>
    new GatewayError('response_not_found', `Response with id '${id}' not found.`, { param: 'response_id' });
  return [
    {
      method: 'GET',
      path: '/ferry/conversations',
      async handler(request) {
        const query = new URLSearchParams(request.query);
        const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20) || 20));
        const cursor = query.get('after') ?? undefined;
        const page = await (await storeOf()).list(owner(request), { limit, ...(cursor ? { cursor } : {}) });
        return json(200, {
          object: 'list',
          data: page.items.map(infoOf),
          has_more: page.nextCursor !== undefined,
          next_cursor: page.nextCursor ?? null,
        });
      },
    },
    {
      method: 'GET',
      path: '/ferry/conversations/*',
      async handler(request) {
        const caller = owner(request);
        const id = idOf(request);
        const store = await storeOf();
        const info = await store.get(id, caller);
        if (info === undefined) throw new ConversationNotFoundError(id);
        const turns = [];
        for await (const turn of exportConversation(store, id, caller)) turns.push(turn);
        return json(200, { ...infoOf(info), messages: turns });
      },
    },
    {
      method: 'DELETE',
      path: '/ferry/conversations/*',
      async handler(request) {
        const caller = owner(request);
        const id = idOf(request);
        if (!(await (await storeOf()).delete(id, caller))) throw new ConversationNotFoundError(id);
        return json(200, { id, object: 'ferry.conversation.deleted', deleted: true });
      },
    },
    {
      method: 'GET',
      path: '/responses/*',
      async handler(request) {
        const id = idOf(request, 'response');
        const stored = await (await storeOf()).getResponse(id, owner(request));
        if (stored === undefined) throw responseNotFound(id);
        return json(200, {
          id,
          object: 'response',
          created_at: Math.floor(stored.createdAt / 1000),
          status: 'completed',
          previous_response_id: stored.previousResponseId,
          output: stored.output,
        });
      },
    },
    {
      method: 'DELETE',
      path: '/responses/*',
      async handler(request) {
        const id = idOf(request, 'response');
        if (!(await (await storeOf()).deleteResponse(id, owner(request)))) throw responseNotFound(id);
        return json(200, { id, object: 'response', deleted: true });
      },
    },
    {
      method: 'DELETE',
      path: '/ferry/conversations',
      async handler(request) {
        const deleted = await (await storeOf()).deleteOwner(owner(request));
        return json(200, { object: 'ferry.conversations.deleted', deleted });
      },
    },
  ];
}
