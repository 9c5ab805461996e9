import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../errors.js';
import { ConversationConflictError, ConversationNotFoundError } from './conversation-errors.js';
import type { NewTurn } from './conversation-types.js';
import { exportConversation } from './export-conversation.js';
import {
  assistantTurn,
  type MakeConformanceStore,
  sleep,
  tally,
  userTurn,
  withStore,
} from './test-conformance-harness.js';
import { describeLifecycleConformance } from './test-lifecycle-conformance.js';

export type { ConformanceHarness, MakeConformanceStore } from './test-conformance-harness.js';

/**
 * The behaviour every ConversationStore must have, run against each implementation on its real
 * backend. Conversation scenarios are here; expiry, limits, erasure, durability, responses and
 * read cost are in `describeLifecycleConformance`. `durable` stores must also keep their data
 * when closed and opened again on the same backend.
 *
 * @example
 * describeConversationStoreConformance('memory', async () => memoryHarness(), { durable: false });
 */
export function describeConversationStoreConformance(
  name: string,
  makeStore: MakeConformanceStore,
  options: { durable: boolean },
): void {
  describe(`conversation store conformance: ${name}`, () => {
    it('keeps owners apart: another owner sees nothing, and its writes are its own', () =>
      withStore(makeStore, {}, async ({ store }) => {
        await store.ensure('shared-id', 'tenant-a');
        await store.append('shared-id', 'tenant-a', [userTurn('secret of a')]);
        assert.equal(await store.get('shared-id', 'tenant-b'), undefined);
        assert.equal(await store.readWindow('shared-id', 'tenant-b', { maxTurns: 10 }), undefined);
        assert.equal(await store.readTurns('shared-id', 'tenant-b', 0, 10), undefined);
        await assert.rejects(
          store.append('shared-id', 'tenant-b', [userTurn('x')]),
          ConversationNotFoundError,
        );
        await assert.rejects(store.beginTurn('shared-id', 'tenant-b', 1_000), ConversationNotFoundError);
        await assert.rejects(
          store.setSummary('shared-id', 'tenant-b', { text: 's', throughSeq: 1, tokens: 1 }),
          ConversationNotFoundError,
        );
        assert.equal(await store.delete('shared-id', 'tenant-b'), false);
        assert.deepEqual((await store.list('tenant-b', { limit: 10 })).items, []);
        // The same id under another owner is a separate, empty conversation.
        const own = await store.ensure('shared-id', 'tenant-b');
        assert.equal(own.lastSeq, 0);
        assert.equal(own.owner, 'tenant-b');
        const a = await store.readWindow('shared-id', 'tenant-a', { maxTurns: 10 });
        assert.deepEqual(
          a?.turns.map((turn) => turn.message.content),
          ['secret of a'],
        );
      }));

    it('numbers appended turns and reads the newest N, oldest first, within a token budget', () =>
      withStore(makeStore, {}, async ({ store }) => {
        const created = await store.ensure('c1', 'owner');
        assert.equal(created.lastSeq, 0);
        assert.equal(created.id, 'c1');
        assert.ok(created.expiresAt > created.createdAt);
        const toolCall = {
          id: 'call_1',
          type: 'function' as const,
          function: { name: 'f', arguments: '{"a":1}' },
        };
        const first = await store.append('c1', 'owner', [
          userTurn('u1'),
          { message: { role: 'assistant', content: null, tool_calls: [toolCall] }, tokens: 7 },
          { message: { role: 'tool', content: 'result', tool_call_id: 'call_1' }, tokens: 2 },
        ]);
        assert.deepEqual(
          first.map((turn) => turn.seq),
          [1, 2, 3],
        );
        const second = await store.append('c1', 'owner', [
          userTurn('u2'),
          assistantTurn('a2-cut', true),
          userTurn('u3'),
          assistantTurn('a3'),
        ]);
        assert.deepEqual(
          second.map((turn) => turn.seq),
          [4, 5, 6, 7],
        );
        const all = await store.readWindow('c1', 'owner', { maxTurns: 100 });
        assert.equal(all?.conversation.lastSeq, 7);
        assert.equal(all?.olderTurns, 0);
        assert.equal(all?.summary, undefined);
        assert.deepEqual(all?.turns[1]?.message, {
          role: 'assistant',
          content: null,
          tool_calls: [toolCall],
        });
        assert.deepEqual(all?.turns[2]?.message, { role: 'tool', content: 'result', tool_call_id: 'call_1' });
        assert.equal(all?.turns[4]?.incomplete, true);
        assert.equal(all?.turns[3]?.incomplete, false);
        assert.ok(all!.turns.every((turn) => typeof turn.createdAt === 'number' && turn.createdAt > 0));
        const newest = await store.readWindow('c1', 'owner', { maxTurns: 3 });
        assert.deepEqual(
          newest?.turns.map((turn) => [turn.seq, turn.message.content]),
          [
            [5, 'a2-cut'],
            [6, 'u3'],
            [7, 'a3'],
          ],
        );
        assert.equal(newest?.olderTurns, 4);
        // Tokens are the text lengths: 'a3' 2 + 'u3' 2 + 'a2-cut' 6; a budget of 5 keeps two.
        const budget = await store.readWindow('c1', 'owner', { maxTurns: 10, maxTokens: 5 });
        assert.deepEqual(
          budget?.turns.map((turn) => turn.seq),
          [6, 7],
        );
        assert.equal(budget?.olderTurns, 5);
        const afterFive = await store.readWindow('c1', 'owner', { maxTurns: 10, afterSeq: 5 });
        assert.deepEqual(
          afterFive?.turns.map((turn) => turn.seq),
          [6, 7],
        );
        assert.equal((await store.get('c1', 'owner'))?.lastSeq, 7);
        assert.ok((await store.get('c1', 'owner'))!.bytes > 0);
      }));

    it('lets exactly one of 20 parallel appends with the same expectedSeq win', () =>
      withStore(makeStore, {}, async ({ store }) => {
        await store.ensure('race', 'owner');
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, index) =>
            store.append('race', 'owner', [userTurn(`r${index}`)], { expectedSeq: 0 }),
          ),
        );
        assert.deepEqual(tally(results), { ok: 1, seq: 19 });
        const conflict = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
        assert.ok(conflict.reason instanceof ConversationConflictError);
        assert.equal(conflict.reason.status, 409);
        assert.equal(conflict.reason.lastSeq, 1);
        assert.equal((await store.get('race', 'owner'))?.lastSeq, 1);
      }));

    it('gives the turn lease to exactly one of 20 callers, and serialises their turns with it', () =>
      withStore(makeStore, {}, async ({ store }) => {
        await store.ensure('lease', 'owner');
        const leases = await Promise.allSettled(
          Array.from({ length: 20 }, () => store.beginTurn('lease', 'owner', 30_000)),
        );
        assert.deepEqual(tally(leases), { ok: 1, busy: 19 });
        const held = (
          leases.find((result) => result.status === 'fulfilled') as PromiseFulfilledResult<{ token: string }>
        ).value;
        await assert.rejects(store.append('lease', 'owner', [userTurn('no lease')]), { reason: 'busy' });
        await assert.rejects(store.append('lease', 'owner', [userTurn('bad')], { lease: 'not-it' }), {
          reason: 'lease',
        });
        await store.append('lease', 'owner', [userTurn('held')], { lease: held.token });
        await store.endTurn('lease', 'owner', held.token);
        await assert.rejects(store.append('lease', 'owner', [userTurn('stale')], { lease: held.token }), {
          reason: 'lease',
        });
        // 20 requests, each: take the lease (retry while busy), read, append its user/assistant
        // pair, release. Every pair must land adjacent and whole.
        const worker = async (index: number) => {
          for (;;) {
            const lease = await store.beginTurn('lease', 'owner', 30_000).catch((error: unknown) => {
              if (error instanceof ConversationConflictError && error.reason === 'busy') return undefined;
              throw error;
            });
            if (lease === undefined) {
              await sleep(Math.random() * 5);
              continue;
            }
            const window = await store.readWindow('lease', 'owner', { maxTurns: 2 });
            assert.equal(window?.conversation.lastSeq, lease.lastSeq);
            const pair: NewTurn[] = [userTurn(`q${index}`), assistantTurn(`a${index}`)];
            await store.append('lease', 'owner', pair, { lease: lease.token, expectedSeq: lease.lastSeq });
            await store.endTurn('lease', 'owner', lease.token);
            return;
          }
        };
        await Promise.all(Array.from({ length: 20 }, (_, index) => worker(index)));
        const turns = await store.readTurns('lease', 'owner', 1, 100);
        assert.equal(turns?.length, 40);
        const seen = new Set<string>();
        for (let index = 0; index < 40; index += 2) {
          const question: string = String(turns![index]!.message.content);
          assert.equal(turns![index + 1]!.message.content, question.replace('q', 'a'));
          seen.add(question);
        }
        assert.equal(seen.size, 20);
      }));

    it('lets a lease expire so a crashed request does not hold the conversation', () =>
      withStore(makeStore, {}, async ({ store }) => {
        await store.ensure('expiring-lease', 'owner');
        const first = await store.beginTurn('expiring-lease', 'owner', 100);
        await sleep(150);
        const second = await store.beginTurn('expiring-lease', 'owner', 30_000);
        await assert.rejects(
          store.append('expiring-lease', 'owner', [userTurn('late')], { lease: first.token }),
          {
            reason: 'lease',
          },
        );
        await store.endTurn('expiring-lease', 'owner', first.token); // not the holder: no effect
        await store.append('expiring-lease', 'owner', [userTurn('on time')], { lease: second.token });
      }));

    it('keeps the widest summary and reads only the turns after it by default', () =>
      withStore(makeStore, {}, async ({ store }) => {
        await store.ensure('sum', 'owner');
        await store.append(
          'sum',
          'owner',
          Array.from({ length: 6 }, (_, index) => userTurn(`t${index + 1}`)),
        );
        assert.equal(
          await store.setSummary('sum', 'owner', { text: 'first four', throughSeq: 4, tokens: 3 }),
          true,
        );
        assert.equal(
          await store.setSummary('sum', 'owner', { text: 'first two', throughSeq: 2, tokens: 2 }),
          false,
        );
        assert.equal(
          await store.setSummary('sum', 'owner', { text: 'again four', throughSeq: 4, tokens: 2 }),
          false,
        );
        const window = await store.readWindow('sum', 'owner', { maxTurns: 10 });
        assert.equal(window?.summary?.text, 'first four');
        assert.equal(window?.summary?.throughSeq, 4);
        assert.equal(window?.summary?.tokens, 3);
        assert.ok(window!.summary!.createdAt > 0);
        assert.deepEqual(
          window?.turns.map((turn) => turn.seq),
          [5, 6],
        );
        assert.equal(window?.olderTurns, 0);
        const everything = await store.readWindow('sum', 'owner', { maxTurns: 10, afterSeq: 0 });
        assert.equal(everything?.turns.length, 6);
        await assert.rejects(
          store.setSummary('sum', 'owner', { text: 'future', throughSeq: 7, tokens: 1 }),
          TypeError,
        );
        assert.equal(
          await store.setSummary('sum', 'owner', { text: 'first five', throughSeq: 5, tokens: 4 }),
          true,
        );
        assert.equal((await store.readWindow('sum', 'owner', { maxTurns: 10 }))?.summary?.text, 'first five');
      }));

    it('lists an owner’s conversations newest first, page by page', () =>
      withStore(makeStore, {}, async ({ store }) => {
        const ids = Array.from({ length: 7 }, (_, index) => `list-${index}`);
        for (const id of ids) {
          await store.ensure(id, 'lister');
          await sleep(3); // distinct creation times, so "newest" is well defined
        }
        await store.ensure('not-mine', 'someone-else');
        const seen: string[] = [];
        let cursor: string | undefined;
        const sizes: number[] = [];
        do {
          const page = await store.list('lister', { limit: 3, ...(cursor === undefined ? {} : { cursor }) });
          sizes.push(page.items.length);
          seen.push(...page.items.map((info) => info.id));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        assert.deepEqual(sizes, [3, 3, 1]);
        assert.deepEqual(seen, [...ids].reverse());
        const exact = await store.list('lister', { limit: 7 });
        assert.equal(exact.items.length, 7);
        assert.equal(exact.nextCursor, undefined);
        await assert.rejects(store.list('lister', { limit: 3, cursor: 'garbage!' }), {
          code: 'invalid_cursor',
        });
      }));

    it('exports every turn in order, page by page', () =>
      withStore(makeStore, {}, async ({ store }) => {
        await store.ensure('export', 'owner');
        await store.append(
          'export',
          'owner',
          Array.from({ length: 23 }, (_, index) => userTurn(`e${index + 1}`)),
        );
        const turns = [];
        for await (const turn of exportConversation(store, 'export', 'owner', 5)) turns.push(turn);
        assert.deepEqual(
          turns.map((turn) => turn.seq),
          Array.from({ length: 23 }, (_, index) => index + 1),
        );
        assert.equal(turns[22]?.message.content, 'e23');
        const missing = exportConversation(store, 'export', 'other-owner');
        await assert.rejects(missing.next(), ConversationNotFoundError);
      }));

    it('refuses malformed ids with a 400 before touching the backend', () =>
      withStore(makeStore, {}, async ({ store }) => {
        for (const id of ['', 'a b', 'x'.repeat(129), '{conv}', 'é']) {
          await assert.rejects(store.ensure(id, 'owner'), (error: unknown) => {
            assert.ok(error instanceof GatewayError);
            assert.equal(error.status, 400);
            assert.equal(error.code, 'invalid_conversation_id');
            return true;
          });
        }
      }));

    describeLifecycleConformance(makeStore, options.durable);
  });
}
