import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GatewayWithMock } from '../../testing/index.js';
import { conversationClient, startTwoTenantGateway, tenantKeys } from './test-tenants.js';

const keyA = tenantKeys.a;
const keyB = tenantKeys.b;

type Item = { id: string; type: string; role?: string; content?: Array<{ type: string; text: string }> };
type ItemList = {
  object: string;
  data: Item[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
};

describe('the OpenAI Conversations API shape over stored conversations', () => {
  let ferry: GatewayWithMock;
  const call = async (method: string, path: string, body?: unknown, key: string = keyA) => {
    const response = await fetch(`${ferry.url}/conversations${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  before(async () => {
    ferry = await startTwoTenantGateway({ content: 'stored answer' });
  });
  after(() => ferry.close());

  it('creates a conversation with items, continues it on chat completions, lists its items and deletes it', async () => {
    const created = await call('POST', '', {
      items: [{ type: 'message', role: 'user', content: 'Remember: the code is 7.' }],
    });
    assert.equal(created.status, 200);
    assert.equal(created.body.object, 'conversation');
    const id = created.body.id as string;
    assert.match(id, /^conv_[0-9a-f]{48}$/);

    const chat = conversationClient(ferry.url, keyA, id);
    await chat.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'What is it?' }],
    });
    assert.deepEqual((ferry.mock.requests.at(-1)?.json as { messages: unknown[] } | undefined)?.messages, [
      { role: 'user', content: 'Remember: the code is 7.' },
      { role: 'user', content: 'What is it?' },
    ]);

    assert.deepEqual((await call('GET', `/${id}`)).body, {
      id,
      object: 'conversation',
      created_at: created.body.created_at,
      metadata: {},
    });
    const newest = (await call('GET', `/${id}/items?limit=2`)).body as unknown as ItemList;
    assert.deepEqual(
      newest.data.map((item) => [item.id, item.role, item.content?.[0]]),
      [
        ['msg_3', 'assistant', { type: 'output_text', text: 'stored answer' }],
        ['msg_2', 'user', { type: 'input_text', text: 'What is it?' }],
      ],
    );
    assert.equal(newest.has_more, true);
    assert.equal(newest.last_id, 'msg_2');
    const rest = (await call('GET', `/${id}/items?limit=2&after=msg_2`)).body as unknown as ItemList;
    assert.deepEqual(
      rest.data.map((item) => item.id),
      ['msg_1'],
    );
    assert.equal(rest.has_more, false);
    const ascending = (await call('GET', `/${id}/items?order=asc`)).body as unknown as ItemList;
    assert.deepEqual(
      ascending.data.map((item) => item.id),
      ['msg_1', 'msg_2', 'msg_3'],
    );

    // Another tenant: the same 404 as a missing id.
    assert.equal((await call('GET', `/${id}`, undefined, keyB)).status, 404);
    assert.equal((await call('GET', `/${id}/items`, undefined, keyB)).status, 404);
    assert.equal((await call('DELETE', `/${id}`, undefined, keyB)).status, 404);

    assert.deepEqual((await call('DELETE', `/${id}`)).body, {
      id,
      object: 'conversation.deleted',
      deleted: true,
    });
    const gone = await call('GET', `/${id}`);
    assert.equal(gone.status, 404);
    assert.equal((gone.body.error as { code: string }).code, 'conversation_not_found');
  });

  it('reads a conversation that chat turns created, by its own id', async () => {
    const chat = conversationClient(ferry.url, keyA, 'support-42');
    await chat.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const items = (await call('GET', '/support-42/items?order=asc')).body as unknown as ItemList;
    assert.deepEqual(
      items.data.map((item) => item.role),
      ['user', 'assistant'],
    );
  });

  it('answers bad input with OpenAI-shaped 400s and a wrong key with 401', async () => {
    const badItem = await call('POST', '', { items: [{ type: 'function_call', name: 'x' }] });
    assert.equal(badItem.status, 400);
    assert.equal((badItem.body.error as { param: string }).param, 'items[0]');
    const badJson = await fetch(`${ferry.url}/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyA}` },
      body: '{"items": [',
    });
    assert.equal(badJson.status, 400);
    assert.equal(((await badJson.json()) as { error: { code: string } }).error.code, 'invalid_json');
    assert.equal((await call('GET', '/bad%20id!')).status, 400);
    const created = await call('POST', '', {});
    assert.equal((await call('GET', `/${created.body.id}/items?after=nonsense`)).status, 400);
    assert.equal((await call('GET', `/${created.body.id}/items?order=sideways`)).status, 400);
    assert.equal((await call('GET', `/${created.body.id}`, undefined, 'sk-wrong')).status, 401);
  });
});
