import { randomBytes } from 'node:crypto';
import type { ClientDirectory } from '../../clients/client-directory.js';
import { GatewayError } from '../../errors.js';
import type { InternalRoute } from '../../feature.js';
import { encodingForModel } from '../../tokens/encodings.js';
import type { GatewayRequest } from '../../types.js';
import { ConversationNotFoundError } from '../conversation-errors.js';
import { checkId } from '../conversation-limits.js';
import type { ConversationStore } from '../conversation-store.js';
import type { ChatMessage, ConversationInfo, NewTurn, Turn } from '../conversation-types.js';
import { json, requestOwner } from './conversation-routes.js';
import type { ConversationsOptions } from './conversations-options.js';
import { turnOf } from './load-conversation.js';

const conversationObject = (info: ConversationInfo) => ({
  id: info.id,
  object: 'conversation',
  created_at: Math.floor(info.createdAt / 1000),
  metadata: {},
});

const textPart = (type: 'input_text' | 'output_text', part: unknown) => {
  const text = (part as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? { type, text } : part;
};

/**
 * A stored turn as OpenAI Conversations API items: a message item (user/system/developer text as
 * `input_text`, assistant text as `output_text`), an assistant's tool calls as `function_call`
 * items and a tool answer as a `function_call_output` item. Item ids carry the turn's seq.
 */
export function itemsOf(turn: Turn): unknown[] {
  const { message, seq } = turn;
  if (message.role === 'tool')
    return [
      {
        type: 'function_call_output',
        id: `fco_${seq}`,
        call_id: message.tool_call_id ?? '',
        output: typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
      },
    ];
  const partType = message.role === 'assistant' ? 'output_text' : 'input_text';
  const items: unknown[] = [];
  if (message.content !== null)
    items.push({
      type: 'message',
      id: `msg_${seq}`,
      status: turn.incomplete ? 'incomplete' : 'completed',
      role: message.role,
      content:
        typeof message.content === 'string'
          ? [{ type: partType, text: message.content }]
          : message.content.map((part) => textPart(partType, part)),
    });
  for (const [index, call] of (message.tool_calls ?? []).entries())
    items.push({
      type: 'function_call',
      id: `fc_${seq}_${index}`,
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: 'completed',
    });
  return items;
}

/** A message item of a create request as a chat message; anything else is a 400. */
function messageOf(item: unknown, index: number): ChatMessage {
  const { type, role, content } = (item ?? {}) as { type?: unknown; role?: unknown; content?: unknown };
  const invalid = () =>
    new GatewayError(
      'invalid_value',
      `items[${index}] must be a message item with a role and text content.`,
      {
        param: `items[${index}]`,
      },
    );
  if ((type !== undefined && type !== 'message') || typeof role !== 'string') throw invalid();
  if (!['user', 'assistant', 'system', 'developer'].includes(role)) throw invalid();
  if (typeof content === 'string') return { role: role as ChatMessage['role'], content };
  if (!Array.isArray(content)) throw invalid();
  const text = content.map((part) => {
    const { type: partType, text: partText } = (part ?? {}) as { type?: unknown; text?: unknown };
    if (typeof partText !== 'string' || !['input_text', 'output_text', 'text'].includes(String(partType)))
      throw invalid();
    return partText;
  });
  return { role: role as ChatMessage['role'], content: text.join('') };
}

/** The conversation id of `/conversations/{id}` or `/conversations/{id}/items`. */
function conversationIdOf(request: GatewayRequest): string {
  const segments = request.path.split('/');
  const at = segments.lastIndexOf('conversations');
  let id = '';
  try {
    id = decodeURIComponent(segments[at + 1] ?? '');
  } catch {}
  checkId(id);
  return id;
}

/** The turn seq an item id names (`msg_12`, `fc_12_0`, `fco_12`), for `after`. */
function seqOfItem(id: string): number {
  const match = /^(?:msg|fc|fco)_(\d+)(?:_\d+)?$/.exec(id);
  if (match === null)
    throw new GatewayError('invalid_cursor', `'${id}' is not an item id of this conversation.`, {
      param: 'after',
    });
  return Number(match[1]);
}

/**
 * OpenAI's Conversations API over the same stored conversations (`/conversations`): create
 * (optionally with message items), retrieve, delete, and list items (paged by `limit`, `after`
 * and `order`, `desc` by default as OpenAI's). A conversation created here is continued on
 * Chat Completions with `x-ferry-conversation: <its id>`; one created by a chat turn is read
 * here by its own id. Metadata updates and item creation or deletion are not served.
 *
 * @example
 * routes: [...conversationRoutes(storeOf, clients), ...openAiConversationRoutes(storeOf, options, clients)]
 */
export function openAiConversationRoutes(
  storeOf: () => Promise<ConversationStore>,
  options: ConversationsOptions,
  clients: ClientDirectory,
): InternalRoute[] {
  const owner = requestOwner(clients);
  const existing = async (request: GatewayRequest) => {
    const id = conversationIdOf(request);
    const caller = owner(request);
    const store = await storeOf();
    const info = await store.get(id, caller);
    if (info === undefined) throw new ConversationNotFoundError(id);
    return { id, caller, store, info };
  };
  return [
    {
      method: 'POST',
      path: '/conversations',
      async handler(request) {
        const caller = owner(request);
        let body: { items?: unknown; metadata?: unknown } = {};
        if (request.body !== undefined && request.body.byteLength > 0) {
          try {
            body = JSON.parse(Buffer.from(request.body).toString('utf8')) ?? {};
          } catch {
            throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
          }
        }
        const items = body.items ?? [];
        if (!Array.isArray(items) || items.length > 20)
          throw new GatewayError('invalid_value', 'items must be an array of at most 20 items.', {
            param: 'items',
          });
        const messages = items.map(messageOf);
        const store = await storeOf();
        const id = `conv_${randomBytes(24).toString('hex')}`;
        const info = await store.ensure(id, caller, { ttlMs: options.ttlMs });
        if (messages.length === 0) return json(200, conversationObject(info));
        const encoding = await encodingForModel(undefined);
        const turns: NewTurn[] = messages.map((message) => turnOf(message as never, encoding));
        await store.append(id, caller, turns);
        return json(200, conversationObject(info));
      },
    },
    {
      method: 'GET',
      path: '/conversations/*',
      async handler(request) {
        return json(200, conversationObject((await existing(request)).info));
      },
    },
    {
      method: 'DELETE',
      path: '/conversations/*',
      async handler(request) {
        const id = conversationIdOf(request);
        if (!(await (await storeOf()).delete(id, owner(request)))) throw new ConversationNotFoundError(id);
        return json(200, { id, object: 'conversation.deleted', deleted: true });
      },
    },
    {
      method: 'GET',
      path: '/conversations/*/items',
      async handler(request) {
        const { id, caller, store, info } = await existing(request);
        const query = new URLSearchParams(request.query);
        const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20) || 20));
        const order = query.get('order') ?? 'desc';
        if (order !== 'asc' && order !== 'desc')
          throw new GatewayError('invalid_value', "order must be 'asc' or 'desc'.", { param: 'order' });
        const after = query.get('after');
        const cursor = after === null ? undefined : seqOfItem(after);
        // Whole turns are paged (a turn with tool calls is several items); seqs are dense.
        let from: number;
        let count: number;
        if (order === 'asc') {
          from = cursor ?? 0;
          count = Math.min(limit, info.lastSeq - from);
        } else {
          const below = cursor === undefined ? info.lastSeq + 1 : cursor;
          from = Math.max(0, below - 1 - limit);
          count = below - 1 - from;
        }
        const turns = count > 0 ? ((await store.readTurns(id, caller, from, count)) ?? []) : [];
        if (order === 'desc') turns.reverse();
        const data = turns.flatMap((turn) => {
          const items = itemsOf(turn);
          return order === 'desc' ? items.reverse() : items;
        });
        const last = turns.at(-1)?.seq;
        const hasMore = last !== undefined && (order === 'asc' ? last < info.lastSeq : last > 1);
        const firstItem = data[0] as { id?: string } | undefined;
        const lastItem = data.at(-1) as { id?: string } | undefined;
        return json(200, {
          object: 'list',
          data,
          first_id: firstItem?.id ?? null,
          last_id: lastItem?.id ?? null,
          has_more: hasMore,
        });
      },
    },
  ];
}
