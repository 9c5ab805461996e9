import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  BrokenChainError,
  ConversationLimitError,
  ConversationNotFoundError,
} from './conversation-errors.js';
import type { ConversationStore } from './conversation-store.js';
import {
  assistantTurn,
  type MakeConformanceStore,
  sleep,
  userTurn,
  waitUntil,
  withStore,
} from './test-conformance-harness.js';

const fillTurns = async (store: ConversationStore, id: string, owner: string, count: number) => {
  for (let done = 0; done < count; done += 1_000) {
    const batch = Math.min(1_000, count - done);
    await store.append(
      id,
      owner,
      Array.from({ length: batch }, (_, index) => userTurn(`turn ${done + index + 1}`)),
    );
  }
};

const chainOf = async (store: ConversationStore, owner: string, ids: string[]) => {
  let previous: string | null = null;
  for (const id of ids) {
    await store.putResponse({
      id,
      owner,
      previousResponseId: previous,
      input: [{ role: 'user', content: `question ${id}` }],
      output: [{ type: 'message', content: [{ type: 'output_text', text: `answer ${id}` }] }],
    });
    previous = id;
  }
};

/** Expiry, limits, erasure, durability, responses and read cost: part of the one conformance suite. */
export function describeLifecycleConformance(makeStore: MakeConformanceStore, durable: boolean): void {
  it('treats an expired conversation as missing, and ensure starts it again empty', () =>
    withStore(makeStore, { limits: { responseTtlMs: 200 } }, async (harness) => {
      const { store } = harness;
      await store.ensure('short', 'owner', { ttlMs: 200 });
      await store.append('short', 'owner', [userTurn('soon gone')]);
      await store.ensure('long', 'owner');
      await store.putResponse({
        id: 'resp_short',
        owner: 'owner',
        previousResponseId: null,
        input: [],
        output: [],
      });
      // Sliding: a write inside the TTL extends it.
      await sleep(120);
      await store.append('short', 'owner', [assistantTurn('still here')]);
      await sleep(120);
      assert.equal((await store.get('short', 'owner'))?.lastSeq, 2);
      await waitUntil(async () => (await store.get('short', 'owner')) === undefined);
      assert.equal(await store.readWindow('short', 'owner', { maxTurns: 10 }), undefined);
      await assert.rejects(store.append('short', 'owner', [userTurn('x')]), ConversationNotFoundError);
      assert.deepEqual(
        (await store.list('owner', { limit: 10 })).items.map((info) => info.id),
        ['long'],
      );
      await waitUntil(async () => (await store.getResponse('resp_short', 'owner')) === undefined);
      const again = await store.ensure('short', 'owner', { ttlMs: 60_000 });
      assert.equal(again.lastSeq, 0);
      assert.deepEqual((await store.readWindow('short', 'owner', { maxTurns: 10 }))?.turns, []);
      // Listed once, as the new conversation: nothing of the expired one survives in an index.
      const listed = (await store.list('owner', { limit: 10 })).items;
      assert.deepEqual(
        listed.map((info) => [info.id, info.lastSeq]),
        [
          ['short', 0],
          ['long', 0],
        ],
      );
      // What expired is really gone from the backend once its housekeeping ran.
      await store.delete('short', 'owner');
      await store.delete('long', 'owner');
      await waitUntil(async () => {
        await harness.purge();
        return (await harness.remnants()).length === 0;
      });
    }));

  it('refuses an append past the turns or bytes limit and writes none of it', () =>
    withStore(makeStore, { limits: { maxTurns: 5, maxBytes: 400 } }, async ({ store }) => {
      await store.ensure('limited', 'owner');
      await store.append('limited', 'owner', [userTurn('1'), userTurn('2'), userTurn('3'), userTurn('4')]);
      await assert.rejects(
        store.append('limited', 'owner', [userTurn('5'), userTurn('6')]),
        (error: unknown) => {
          assert.ok(error instanceof ConversationLimitError);
          assert.equal(error.limit, 'turns');
          assert.equal(error.status, 400);
          return true;
        },
      );
      assert.equal((await store.get('limited', 'owner'))?.lastSeq, 4);
      await store.append('limited', 'owner', [userTurn('5')]);
      await assert.rejects(store.append('limited', 'owner', [userTurn('6')]), { limit: 'turns' });
      await store.ensure('big', 'owner');
      await store.append('big', 'owner', [userTurn('x'.repeat(300))]);
      await assert.rejects(store.append('big', 'owner', [userTurn('y'.repeat(100))]), { limit: 'bytes' });
      const big = await store.get('big', 'owner');
      assert.equal(big?.lastSeq, 1);
      assert.equal(big?.bytes, Buffer.byteLength(JSON.stringify({ role: 'user', content: 'x'.repeat(300) })));
    }));

  it('erases one conversation, then everything of an owner, leaving nothing in the backend', () =>
    withStore(makeStore, {}, async (harness) => {
      const { store } = harness;
      for (const owner of ['erase-a', 'erase-b']) {
        for (const id of ['one', 'two']) {
          await store.ensure(id, owner);
          await store.append(id, owner, [userTurn(`private ${owner} ${id}`), assistantTurn('reply')]);
          await store.setSummary(id, owner, { text: `summary ${owner}`, throughSeq: 1, tokens: 2 });
        }
        await store.beginTurn('two', owner, 60_000);
        await chainOf(store, owner, [`resp_${owner}_1`, `resp_${owner}_2`]);
      }
      assert.equal(await store.delete('one', 'erase-a'), true);
      assert.equal(await store.delete('one', 'erase-a'), false);
      assert.equal(await store.get('one', 'erase-a'), undefined);
      assert.equal((await store.get('one', 'erase-b'))?.lastSeq, 2);
      assert.equal(await store.deleteOwner('erase-a'), 3); // 'two' and two responses
      assert.deepEqual((await store.list('erase-a', { limit: 10 })).items, []);
      assert.equal(await store.getResponse('resp_erase-a_1', 'erase-a'), undefined);
      assert.equal((await store.list('erase-b', { limit: 10 })).items.length, 2);
      assert.equal((await store.walkChain('resp_erase-b_2', 'erase-b'))?.length, 2);
      const left = (await harness.remnants()).join('\n');
      assert.doesNotMatch(left, /erase-a/);
      assert.notEqual(left, '', 'erase-b still has data');
      assert.equal(await store.deleteOwner('erase-b'), 4);
      assert.deepEqual(await harness.remnants(), []);
      assert.equal(await store.deleteOwner('erase-b'), 0);
    }));

  it('walks a response chain, and fails with BrokenChainError when a middle link is deleted', () =>
    withStore(makeStore, { limits: { maxChainDepth: 10 } }, async ({ store }) => {
      await chainOf(store, 'chain-owner', ['resp_1', 'resp_2', 'resp_3', 'resp_4']);
      const stored = await store.getResponse('resp_2', 'chain-owner');
      assert.equal(stored?.previousResponseId, 'resp_1');
      assert.deepEqual(stored?.input, [{ role: 'user', content: 'question resp_2' }]);
      assert.equal(await store.getResponse('resp_2', 'intruder'), undefined);
      assert.equal(await store.walkChain('resp_4', 'intruder'), undefined);
      assert.equal(await store.walkChain('resp_missing', 'chain-owner'), undefined);
      const chain = await store.walkChain('resp_4', 'chain-owner');
      assert.deepEqual(
        chain?.map((response) => response.id),
        ['resp_1', 'resp_2', 'resp_3', 'resp_4'],
      );
      assert.deepEqual(chain?.[3]?.output, [
        { type: 'message', content: [{ type: 'output_text', text: 'answer resp_4' }] },
      ]);
      assert.equal(await store.deleteResponse('resp_2', 'intruder'), false);
      assert.equal(await store.deleteResponse('resp_2', 'chain-owner'), true);
      await assert.rejects(store.walkChain('resp_4', 'chain-owner'), (error: unknown) => {
        assert.ok(error instanceof BrokenChainError);
        assert.equal(error.missingId, 'resp_2');
        assert.equal(error.depth, 2);
        assert.equal(error.code, 'previous_response_not_found');
        return true;
      });
      assert.deepEqual(
        (await store.walkChain('resp_1', 'chain-owner'))?.map((response) => response.id),
        ['resp_1'],
      );
      // A chain that points into another owner's responses is broken for this owner.
      await store.putResponse({
        id: 'resp_x',
        owner: 'other',
        previousResponseId: 'resp_1',
        input: [],
        output: [],
      });
      await assert.rejects(store.walkChain('resp_x', 'other'), BrokenChainError);
      // The upstream that produced a response is kept with it, for pinned follow-ups.
      const upstream = { name: 'openai', key: 'key1', id: 'resp_upstream_own' };
      await store.putResponse({
        id: 'resp_pin',
        owner: 'pin',
        previousResponseId: null,
        input: [],
        output: [],
        upstream,
      });
      assert.deepEqual((await store.getResponse('resp_pin', 'pin'))?.upstream, upstream);
      assert.equal((await store.getResponse('resp_1', 'chain-owner'))?.upstream, undefined);
      await chainOf(
        store,
        'deep',
        Array.from({ length: 11 }, (_, index) => `resp_deep_${index}`),
      );
      await assert.rejects(store.walkChain('resp_deep_10', 'deep'), { limit: 'chain' });
      assert.equal((await store.walkChain('resp_deep_9', 'deep'))?.length, 10);
    }));

  it('reads the newest 20 turns of a 10 000-turn conversation at the cost of a 10-turn one', () =>
    withStore(makeStore, { limits: { maxTurns: 20_000, maxBytes: 64 * 1024 * 1024 } }, async (harness) => {
      const { store } = harness;
      await store.ensure('small', 'owner');
      await fillTurns(store, 'small', 'owner', 10);
      await store.ensure('large', 'owner');
      await fillTurns(store, 'large', 'owner', 10_000);
      let window: Awaited<ReturnType<ConversationStore['readWindow']>>;
      const small = await harness.measureReads(async () => {
        window = await store.readWindow('small', 'owner', { maxTurns: 20 });
      });
      assert.equal(window!.turns.length, 10);
      const large = await harness.measureReads(async () => {
        window = await store.readWindow('large', 'owner', { maxTurns: 20 });
      });
      assert.deepEqual(
        window!.turns.map((turn) => turn.seq),
        Array.from({ length: 20 }, (_, index) => 9_981 + index),
      );
      assert.equal(window!.olderTurns, 9_980);
      assert.ok(small > 0, 'the measurement saw the read');
      // The large read returns 10 more turns than the small one, and reads nothing else more.
      assert.ok(large - small <= 10, `read ${large} items at 10 000 turns, ${small} at 10 turns`);
    }));

  if (!durable) return;
  it('keeps its data across a restart of the store', async () => {
    await withStore(makeStore, {}, async (harness) => {
      assert.ok(harness.reopen, 'a durable store can be reopened');
      const { store } = harness;
      await store.ensure('durable', 'owner');
      await store.append('durable', 'owner', [userTurn('before restart'), assistantTurn('kept')]);
      await store.setSummary('durable', 'owner', { text: 'summary kept', throughSeq: 1, tokens: 2 });
      await chainOf(store, 'owner', ['resp_d1', 'resp_d2']);
      const reopened = await harness.reopen();
      const window = await reopened.readWindow('durable', 'owner', { maxTurns: 10, afterSeq: 0 });
      assert.deepEqual(
        window?.turns.map((turn) => turn.message.content),
        ['before restart', 'kept'],
      );
      assert.equal(window?.summary?.text, 'summary kept');
      assert.equal((await reopened.walkChain('resp_d2', 'owner'))?.length, 2);
      const next = await reopened.append('durable', 'owner', [userTurn('after restart')], { expectedSeq: 2 });
      assert.equal(next[0]?.seq, 3);
    });
  });
}
