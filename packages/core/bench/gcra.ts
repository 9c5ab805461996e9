/**
 * Latency of one Redis-backed limit decision: the existing fixed-window limiter
 * (rate-limiter-flexible on Redis behind its timeout wrapper, as the gateway builds it) against
 * the GCRA limiter (one Lua script), with a plain PING as the round-trip floor. One decision in
 * flight at a time, keys rotating over 1000 limit keys, admitted path. Arms run in interleaved
 * rounds (order rotated each round) after a warm-up round. A benchmark, not a test: it reports
 * figures and asserts nothing.
 *
 *   node --import tsx bench/gcra.ts [--seconds 6] [--redis redis://127.0.0.1:6379]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createRedisGcraLimiter } from '../src/policies/rate-limit/gcra-redis-limiter.js';
import { createWindowLimiter } from '../src/policies/rate-limit/window-limiter.js';
import { createRedisClient, waitForRedis } from '../src/stores/redis-store.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const totalMs = Number(values.seconds) * 1_000;
const rounds = 6;

const redis = createRedisClient({ url: values.redis });
await waitForRedis(redis, 5_000);
const keyPrefix = `ferry-bench:${randomUUID()}:`;
// Limits no key reaches, so every decision takes the admitted path (the one every request pays).
const window = createWindowLimiter({
  name: 'requests',
  limit: 1_000_000_000,
  windowSeconds: 60,
  onStoreFailure: 'insurance',
  storeTimeoutMs: 500,
  redis,
  keyPrefix,
});
const gcra = createRedisGcraLimiter({
  redis,
  name: 'requests',
  keyPrefix,
  rate: 1_000_000_000,
  periodMs: 60_000,
  burst: 1_000_000_000,
  timeoutMs: 500,
});

let counter = 0;
const nextKey = () => `key:${counter++ % 1_000}`;
const arms: Record<string, () => Promise<unknown>> = {
  'redis PING (floor)': () => redis.ping(),
  'fixed window (rate-limiter-flexible)': () => window.consume(nextKey(), 1),
  'GCRA (Lua script)': () => gcra.consume(nextKey(), 1),
};
const samples = new Map<string, number[]>(Object.keys(arms).map((name) => [name, []]));

async function run(name: string, durationMs: number, keep: boolean): Promise<void> {
  const decide = arms[name] as () => Promise<unknown>;
  const into = samples.get(name) as number[];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const start = performance.now();
    await decide();
    if (keep) into.push(performance.now() - start);
  }
}

const names = Object.keys(arms);
const slice = totalMs / (rounds * names.length);
for (const name of names) await run(name, Math.min(300, slice), false); // warm-up: JIT, scripts loaded
for (let round = 0; round < rounds; round++) {
  for (let index = 0; index < names.length; index++) {
    await run(names[(index + round) % names.length] as string, slice, true);
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const floor = [...(samples.get(names[0] as string) as number[])].sort((a, b) => a - b);
const floorP50 = quantile(floor, 0.5);
const floorP99 = quantile(floor, 0.99);
const micro = (ms: number) => `${(ms * 1_000).toFixed(0)} µs`;
console.log(`${rounds} interleaved rounds, ${(slice / 1_000).toFixed(2)} s per arm per round, 1 in flight\n`);
console.log(
  `${'arm'.padEnd(38)}${'decisions'.padStart(10)}${'p50'.padStart(10)}${'p99'.padStart(10)}   over PING p50 / p99`,
);
for (const name of names) {
  const sorted = [...(samples.get(name) as number[])].sort((a, b) => a - b);
  const p50 = quantile(sorted, 0.5);
  const p99 = quantile(sorted, 0.99);
  const over = name === names[0] ? '' : `   +${micro(p50 - floorP50)} / +${micro(p99 - floorP99)}`;
  console.log(
    `${name.padEnd(38)}${String(sorted.length).padStart(10)}${micro(p50).padStart(10)}${micro(p99).padStart(10)}${over}`,
  );
}

const keys = await redis.keys(`${keyPrefix}*`);
for (let index = 0; index < keys.length; index += 500) await redis.del(...keys.slice(index, index + 500));
redis.disconnect();
