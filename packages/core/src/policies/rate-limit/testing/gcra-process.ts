// One process with its own ioredis client deciding GCRA limits, for the test of a bucket shared
// by several processes. Driven over IPC: `fire` runs `count` concurrent decisions at `startAt`
// (a wall-clock time, so every process starts together) and answers with what it saw.
import { createRedisClient, waitForRedis } from '../../../stores/redis-store.js';
import type { GcraLimit } from '../gcra-limiter.js';
import { createRedisGcraLimiter } from '../gcra-redis-limiter.js';
import { type SeenDecision, seen } from './gcra-replay.js';

export interface FireMessage {
  type: 'fire';
  keyPrefix: string;
  key: string;
  limit: GcraLimit;
  count: number;
  startAt: number;
}
export type ProcessReply =
  | { type: 'ready' }
  | { type: 'fired'; decisions: SeenDecision[] }
  | { type: 'failed'; error: string };

const send = (reply: ProcessReply) => process.send?.(reply);
const redis = createRedisClient({ url: process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
await waitForRedis(redis, 5_000);

process.on('message', (message: FireMessage | { type: 'stop' }) => {
  if (message.type === 'stop') {
    redis.disconnect();
    process.disconnect();
    return;
  }
  const { keyPrefix, key, limit, count, startAt } = message;
  const limiter = createRedisGcraLimiter({ redis, name: 'requests', keyPrefix, ...limit });
  setTimeout(
    () => {
      Promise.all(Array.from({ length: count }, () => limiter.consume(key, 1))).then(
        (decisions) => send({ type: 'fired', decisions: decisions.map((decision) => seen(decision)) }),
        (error: unknown) => send({ type: 'failed', error: String(error) }),
      );
    },
    Math.max(0, startAt - Date.now()),
  );
});
send({ type: 'ready' });
