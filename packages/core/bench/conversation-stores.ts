/**
 * Conversation store latency: one turn as the gateway will run it (read the newest 20 turns,
 * then append the user turn and the answer with `expectedSeq`), against conversations already
 * holding 10, 1 000 and 10 000 turns, for the memory, Redis and PostgreSQL stores. Reports
 * p50/p99 per turn over at most one second (or 400 turns) each. A benchmark, not a test: it asserts nothing.
 *
 *   pnpm --filter @ferry/core bench:conversations
 *
 * Needs Redis at FERRY_TEST_REDIS_URL (default redis://127.0.0.1:6379) and PostgreSQL at
 * FERRY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test); uses its own key prefix
 * and schema and removes them afterwards.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ConversationStore } from '../src/conversations/conversation-store.js';
import type { NewTurn } from '../src/conversations/conversation-types.js';
import { createMemoryConversationStore } from '../src/conversations/memory-conversation-store.js';
import { createPostgresPool } from '../src/conversations/postgres-client.js';
import { createPostgresConversationStore } from '../src/conversations/postgres-conversation-store.js';
import { createRedisConversationStore } from '../src/conversations/redis-conversation-store.js';
import { createRedisClient, waitForRedis } from '../src/stores/redis-store.js';

const sizes = [10, 1_000, 10_000];
const secondsPerCase = Number(process.env.BENCH_SECONDS ?? 1);
const limits = { maxTurns: 50_000, maxBytes: 256 * 1024 * 1024 };
// A realistic chat message: a few hundred bytes of text.
const text = 'Could you explain how the retry budget interacts with the circuit breaker? '.repeat(4);
const turn = (role: 'user' | 'assistant'): NewTurn => ({ message: { role, content: text }, tokens: 75 });

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

// Appends grow a conversation, so turns rotate over several conversations of the same size and
// a case stops after `maxTurnsPerCase`: the stored length stays within a few percent of `size`.
const maxTurnsPerCase = 400;

async function fill(store: ConversationStore, id: string, size: number) {
  await store.ensure(id, 'bench');
  for (let done = 0; done < size; done += 1_000) {
    const batch = Math.min(1_000, size - done);
    await store.append(
      id,
      'bench',
      Array.from({ length: batch }, (_, index) => turn(index % 2 === 0 ? 'user' : 'assistant')),
    );
  }
}

async function measure(store: ConversationStore, size: number) {
  const ids = Array.from(
    { length: Math.min(100, Math.ceil(30_000 / size)) },
    (_, index) => `bench-${size}-${index}`,
  );
  for (const id of ids) await fill(store, id, size);
  const durations: number[] = [];
  let next = 0;
  const run = async () => {
    const id = ids[next++ % ids.length]!;
    const started = performance.now();
    const window = await store.readWindow(id, 'bench', { maxTurns: 20, maxTokens: 4_000 });
    await store.append(id, 'bench', [turn('user'), turn('assistant')], {
      expectedSeq: window!.conversation.lastSeq,
    });
    return performance.now() - started;
  };
  for (let warm = 0; warm < 20; warm++) await run();
  const deadline = performance.now() + secondsPerCase * 1_000;
  while (performance.now() < deadline && durations.length < maxTurnsPerCase) durations.push(await run());
  durations.sort((a, b) => a - b);
  return { turns: durations.length, p50: percentile(durations, 0.5), p99: percentile(durations, 0.99) };
}

async function main() {
  const redis = createRedisClient({ url: process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
  await waitForRedis(redis, 5_000);
  const prefix = `ferry-bench:${randomUUID()}:`;
  const pool = createPostgresPool({
    url: process.env.FERRY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
  const schema = `ferry_bench_${randomUUID().replaceAll('-', '')}`;
  const stores: [string, ConversationStore][] = [
    ['memory', createMemoryConversationStore({ limits })],
    ['redis', createRedisConversationStore(redis, { prefix, limits })],
    ['postgres', await createPostgresConversationStore(pool, { schema, limits })],
  ];
  const rows: string[] = [];
  try {
    for (const [name, store] of stores) {
      for (const size of sizes) {
        const result = await measure(store, size);
        rows.push(
          `| ${name} | ${size.toLocaleString('en')} | ${result.p50.toFixed(3)} | ${result.p99.toFixed(3)} | ${result.turns} |`,
        );
        console.error(rows.at(-1));
      }
    }
  } finally {
    for (const [, store] of stores) await store.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
  console.log(
    `\nOne turn = readWindow(20 turns) + append(2 turns, expectedSeq); ${secondsPerCase} s per case.\n`,
  );
  console.log('| store | stored turns | p50 ms | p99 ms | turns measured |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

await main();
