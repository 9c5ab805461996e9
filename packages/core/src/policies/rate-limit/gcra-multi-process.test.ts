import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { GcraLimit } from './gcra-limiter.js';
import type { FireMessage, ProcessReply } from './testing/gcra-process.js';
import { admitted, replayAdmitted, type SeenDecision, worstOvershoot } from './testing/gcra-replay.js';

const processScript = fileURLToPath(new URL('./testing/gcra-process.ts', import.meta.url));
// A real Redis is part of the test environment (CI starts one): without it this suite fails.
const redisUrl = process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function nextReply(child: ChildProcess): Promise<ProcessReply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`decision process exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (reply: ProcessReply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
  });
}

describe('a GCRA bucket shared by three processes through Redis', () => {
  const children: ChildProcess[] = [];
  const keyPrefix = `ferry-test:${randomUUID()}:`;

  /** `total` concurrent decisions on `key`, split over the three processes, started together. */
  async function fire(key: string, limit: GcraLimit, total: number): Promise<SeenDecision[][]> {
    const startAt = Date.now() + 50;
    const replies = children.map((child, index) => {
      const count = Math.floor(total / children.length) + (index < total % children.length ? 1 : 0);
      const reply = nextReply(child);
      child.send({ type: 'fire', keyPrefix, key, limit, count, startAt } satisfies FireMessage);
      return reply;
    });
    return (await Promise.all(replies)).map((reply) => {
      if (reply.type !== 'fired') assert.fail(`a decision process answered ${JSON.stringify(reply)}`);
      return reply.decisions;
    });
  }

  before(async () => {
    for (let index = 0; index < 3; index++) {
      const child = fork(processScript, {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, FERRY_TEST_REDIS_URL: redisUrl },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
    }
    for (const reply of await Promise.all(children.map(nextReply))) assert.equal(reply.type, 'ready');
  });
  after(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      const exited = once(child, 'exit');
      if (child.connected) child.send({ type: 'stop' });
      else child.kill();
      await exited;
    }
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('admits exactly the burst out of 1000 concurrent requests', async () => {
    // 100 an hour: nothing refills while the requests run.
    const perProcess = await fire('key:exact', { rate: 100, periodMs: 3_600_000, burst: 100 }, 1_000);
    const counts = perProcess.map(admitted);
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      100,
      `admitted per process: ${counts.join(', ')}`,
    );
    assert.equal(perProcess.flat().length, 1_000);
  });

  it('then refills at the configured rate, exactly by the Redis clock', async () => {
    // 100 per second: one token every 10 ms.
    const limit: GcraLimit = { rate: 100, periodMs: 1_000, burst: 100 };
    const first = (await fire('key:refill', limit, 1_000)).flat();
    assert.ok(admitted(first) >= 100);
    await sleep(500); // fifty intervals
    const second = (await fire('key:refill', limit, 1_000)).flat();
    const all = [...first, ...second];

    // Every admission GCRA allows at the times Redis decided, and no more.
    assert.equal(admitted(all), replayAdmitted(limit, all));
    assert.ok(worstOvershoot(limit, all) <= 0, 'more admitted than one token plus the refill');
    // The second wave finds what refilled since the first one's last decision (capped at the burst).
    const lastOfFirst = Math.max(...first.map((decision) => decision.at));
    const firstOfSecond = Math.min(...second.map((decision) => decision.at));
    const refilled = Math.min(100, Math.floor((firstOfSecond - lastOfFirst) / 10));
    assert.ok(refilled >= 45, `only ${refilled} tokens refilled in 500 ms`);
    assert.ok(admitted(second) >= refilled, `${admitted(second)} admitted, ${refilled} refilled`);
  });
});
