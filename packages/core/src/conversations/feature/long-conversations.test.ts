import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import { type PrivateRedis, startPrivateRedis } from '../../policies/rate-limit/testing/private-redis.js';
import { createRedisClient, waitForRedis } from '../../stores/redis-store.js';
import { type GatewayServer, startGatewayServer, startGatewayWithMock } from '../../testing/index.js';
import type { NewTurn } from '../conversation-types.js';
import { createRedisConversationStore } from '../redis-conversation-store.js';

type Sent = { messages: Array<{ role: string; content: unknown }> } | undefined;
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresUrl = process.env.FERRY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const unique = `${process.pid}-${Date.now()}`;

const chat = (url: string, conversation: string) => {
  const client = new OpenAI({
    baseURL: url,
    apiKey: 'unused',
    maxRetries: 0,
    defaultHeaders: { 'x-ferry-conversation': conversation },
  });
  return async (content: string) =>
    (await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }))
      .choices[0]?.message.content;
};

describe('a fallback mid-conversation to a local model', () => {
  let primary: MockUpstream;
  let local: MockUpstream;
  let ferry: GatewayServer;
  before(async () => {
    primary = await startMockUpstream({ content: 'from the primary' });
    local = await startMockUpstream({ content: 'from the local model' });
    ferry = await startGatewayServer({
      upstreams: [
        { name: 'primary', url: primary.url, local: true },
        { name: 'ollama', url: local.url, local: true, models: { '*': 'llama3.1' } },
      ],
      fallback: {},
      conversations: { store: 'memory' },
    });
  });
  after(async () => {
    await ferry.close();
    await primary.close();
    await local.close();
  });

  it('replays the stored history to the local model, and keeps its answers in the conversation', async () => {
    const ask = chat(ferry.url, 'fallback-chat');
    assert.equal(await ask('one'), 'from the primary');
    assert.equal(await ask('two'), 'from the primary');
    await primary.close();
    assert.equal(await ask('three'), 'from the local model');
    const sent = local.requests.at(-1)?.json as Sent & { model: string };
    assert.equal(sent.model, 'llama3.1');
    assert.deepEqual(sent.messages, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'from the primary' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'from the primary' },
      { role: 'user', content: 'three' },
    ]);
    await ask('four');
    assert.deepEqual((local.requests.at(-1)?.json as Sent)?.messages.slice(-3), [
      { role: 'user', content: 'three' },
      { role: 'assistant', content: 'from the local model' },
      { role: 'user', content: 'four' },
    ]);
  });
});

describe('a 10 000-turn conversation', () => {
  let redis: PrivateRedis;
  let ferry: Awaited<ReturnType<typeof startGatewayWithMock>>;
  const prefix = 'ferry-long:';
  const windowTurns = 20;
  before(async () => {
    // A Redis of this test's own: its output byte counter then counts only Ferry's reads.
    redis = await startPrivateRedis();
    ferry = await startGatewayWithMock({
      redis: { url: redis.url, keyPrefix: prefix },
      conversations: { store: 'redis', windowTurns, maxTurns: 20_000, maxBytes: 64 * 1024 * 1024 },
    });
    await ferry.gateway.ready();
  });
  after(async () => {
    await ferry.close();
    await redis.stop();
  });

  /** Appends `count` turns of the same size as the gateway's own, the way the gateway stores them. */
  const fill = async (id: string, count: number) => {
    const filler = createRedisClient({ url: redis.url });
    await waitForRedis(filler, 5_000);
    const store = createRedisConversationStore(filler, {
      prefix,
      limits: { maxTurns: 20_000, maxBytes: 64 << 20 },
    });
    await store.ensure(id, 'anonymous');
    for (let seq = 0; seq < count; seq += 1_000) {
      const turns: NewTurn[] = Array.from({ length: Math.min(1_000, count - seq) }, (_, index) => ({
        message: {
          role: index % 2 === 0 ? 'user' : 'assistant',
          content: `stored turn ${String(seq + index).padStart(5, '0')}`,
        },
        tokens: 6,
      }));
      await store.append(id, 'anonymous', turns);
    }
    filler.disconnect();
  };
  const bytesOut = async () =>
    Number(/total_net_output_bytes:(\d+)/.exec(await redis.admin.info('stats'))?.[1]);

  /** Bytes Redis sent while each of `turns` turns of the conversation ran through the gateway. */
  const perTurn = async (id: string, turns: number) => {
    const ask = chat(ferry.url, id);
    const costs: number[] = [];
    for (let turn = 0; turn < turns; turn++) {
      const start = await bytesOut();
      await ask(`new ${turn}`);
      costs.push((await bytesOut()) - start);
      const sent = ferry.mock.requests.at(-1)?.json as Sent;
      assert.equal(sent?.messages.length, windowTurns + 1, 'the window, then the new message');
    }
    return costs;
  };

  it('reads as much from the store per turn at 10 000 turns as at 100', async () => {
    await fill('short', 100);
    await fill('long', 10_000);
    const short = await perTurn('short', 5);
    const long = await perTurn('long', 5);
    const stored = await redis.admin.llen(`${prefix}{conv:anonymous:long}:turns`);
    assert.equal(stored, 10_010, 'every turn was appended');
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    assert.ok(median(short) > 1_000, `the measurement saw the reads (${median(short)} bytes)`);
    // Same window, same bytes: a few bytes of difference (longer numbers), never a share of the history.
    assert.ok(
      median(long) <= median(short) * 1.05,
      `per turn: ${median(long)} bytes at 10 000 turns, ${median(short)} at 100`,
    );
    // And flat along the conversation: the last turn costs what the first did.
    assert.ok((long.at(-1) as number) <= (long[0] as number) * 1.05, `turn costs ${long.join(', ')}`);
  });
});

const durableStores = [
  {
    name: 'redis',
    options: {
      redis: { url: redisUrl, keyPrefix: `ferry-test-restart-${unique}:` },
      conversations: { store: 'redis' as const },
    },
  },
  { name: 'postgres', options: { conversations: { store: 'postgres' as const, postgresUrl } } },
];

for (const { name, options } of durableStores) {
  describe(`restart durability (${name})`, () => {
    it('continues the conversation on a new gateway over the same store', async () => {
      const id = `restart-${name}-${unique}`;
      const first = await startGatewayWithMock(options, { content: 'first gateway answer' });
      try {
        await first.gateway.ready();
        const ask = chat(first.url, id);
        await ask('before the restart');
      } finally {
        await first.close();
      }
      const second = await startGatewayWithMock(options, { content: 'second gateway answer' });
      try {
        await second.gateway.ready();
        const ask = chat(second.url, id);
        await ask('after the restart');
        assert.deepEqual((second.mock.requests.at(-1)?.json as Sent)?.messages, [
          { role: 'user', content: 'before the restart' },
          { role: 'assistant', content: 'first gateway answer' },
          { role: 'user', content: 'after the restart' },
        ]);
        const erased = await fetch(`${second.url}/ferry/conversations/${id}`, { method: 'DELETE' });
        assert.equal(erased.status, 200);
      } finally {
        await second.close();
      }
    });
  });
}
