import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryConversationStore, type MemoryConversationStore } from './memory-conversation-store.js';
import { userTurn } from './test-conformance-harness.js';
import { describeConversationStoreConformance } from './test-conversation-conformance.js';

describeConversationStoreConformance(
  'memory',
  async ({ limits }) => {
    const store = createMemoryConversationStore(limits === undefined ? {} : { limits });
    return {
      store,
      async measureReads(action) {
        const before = store.stats.turnsRead;
        await action();
        return store.stats.turnsRead - before;
      },
      async remnants() {
        const { conversations, responses, bytes } = store.usage();
        return conversations + responses + bytes === 0
          ? []
          : [`conversations: ${conversations}, responses: ${responses}, bytes: ${bytes}`];
      },
      async purge() {},
      reopen: undefined,
      close: () => store.close(),
    };
  },
  { durable: false },
);

describe('memory conversation store bounds', () => {
  const withStore = async (
    options: Parameters<typeof createMemoryConversationStore>[0],
    run: (store: MemoryConversationStore) => Promise<void>,
  ) => {
    const store = createMemoryConversationStore(options);
    try {
      await run(store);
    } finally {
      await store.close();
    }
  };

  it('evicts the least recently used conversation past maxConversations', () =>
    withStore({ maxConversations: 3 }, async (store) => {
      for (const id of ['a', 'b', 'c']) await store.ensure(id, 'owner');
      await store.readWindow('a', 'owner', { maxTurns: 1 }); // 'a' is now the most recent
      await store.ensure('d', 'owner');
      assert.equal(await store.get('b', 'owner'), undefined);
      for (const id of ['a', 'c', 'd']) assert.ok(await store.get(id, 'owner'), id);
      assert.equal(store.usage().conversations, 3);
    }));

  it('evicts whole conversations to stay under maxTotalBytes, and accounts bytes exactly', () =>
    withStore({ maxTotalBytes: 1_000 }, async (store) => {
      const text = 'x'.repeat(300); // 328 bytes as a message
      for (const id of ['a', 'b', 'c']) {
        await store.ensure(id, 'owner');
        await store.append(id, 'owner', [userTurn(text)]);
      }
      assert.equal(store.usage().bytes, 984);
      await store.ensure('d', 'owner');
      await store.append('d', 'owner', [userTurn(text)]);
      assert.equal(await store.get('a', 'owner'), undefined);
      assert.equal(store.usage().conversations, 3);
      assert.equal(store.usage().bytes, 984);
      await store.putResponse({
        id: 'resp_1',
        owner: 'owner',
        previousResponseId: null,
        input: [text],
        output: [],
      });
      assert.equal(
        await store.get('b', 'owner'),
        undefined,
        'the response pushed out the oldest conversation',
      );
      for (const id of ['c', 'd']) await store.delete(id, 'owner');
      await store.deleteResponse('resp_1', 'owner');
      assert.deepEqual(store.usage(), { conversations: 0, responses: 0, bytes: 0 });
    }));

  it('returns copies: changing a read turn does not change the stored one', () =>
    withStore({}, async (store) => {
      await store.ensure('c', 'owner');
      const [appended] = await store.append('c', 'owner', [userTurn('original')]);
      appended!.message.content = 'changed';
      const window = await store.readWindow('c', 'owner', { maxTurns: 1 });
      window!.turns[0]!.message.content = 'changed again';
      assert.equal(
        (await store.readWindow('c', 'owner', { maxTurns: 1 }))?.turns[0]?.message.content,
        'original',
      );
    }));
});
