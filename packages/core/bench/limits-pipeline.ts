/**
 * Full-pipeline throughput with the rate limits in memory against on Redis (fixed window and
 * GCRA): each arm is a gateway process of its own (requests and token limits no key reaches,
 * so every request takes the admitted path), in front of one mock upstream (no latency) in this
 * process, driven by 32 concurrent keep-alive requests for a few seconds. Arms run in
 * interleaved rounds after a warm-up. A benchmark, not a test: it reports figures, asserts nothing.
 *
 *   node --import tsx bench/limits-pipeline.ts [--seconds 3] [--rounds 3] [--redis redis://127.0.0.1:6379]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startMockUpstream } from '@ferry/mock-upstream';
import { Agent, request } from 'undici';
import { startGatewayProcess } from '../src/testing/start-gateway-process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = 32;

const mock = await startMockUpstream({ record: false });
const limits = (algorithm: 'fixed-window' | 'gcra') => ({
  key: 'client',
  requests: { limit: 1_000_000_000, algorithm },
  tokens: { limit: 1_000_000_000, algorithm },
});
const base = { upstream: { url: mock.url, local: true }, clientKeys: ['sk-bench'] };
const redis = (tag: string) => ({ url: values.redis, keyPrefix: `ferry-bench:${tag}:${randomUUID()}:` });
const arms = [
  { name: 'no limits', options: base },
  { name: 'limits in memory (window)', options: { ...base, limits: limits('fixed-window') } },
  {
    name: 'limits on Redis (window)',
    options: { ...base, limits: limits('fixed-window'), redis: redis('w') },
  },
  { name: 'limits on Redis (GCRA)', options: { ...base, limits: limits('gcra'), redis: redis('g') } },
];
const gateways = await Promise.all(arms.map((arm) => startGatewayProcess(arm.options)));
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

async function drive(url: string, ms: number) {
  const dispatcher = new Agent({ connections: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        const answer = await request(`${url}/chat/completions`, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
          body,
        });
        await answer.body.arrayBuffer();
        if (answer.statusCode !== 200) errors++;
        latencies.push(performance.now() - started);
      }
    }),
  );
  await dispatcher.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / (ms / 1_000), p50: at(0.5), p99: at(0.99), errors };
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
for (const gateway of gateways) await drive(gateway.url, 1_000); // warm-up
const results = arms.map(() => ({
  rps: [] as number[],
  p50: [] as number[],
  p99: [] as number[],
  errors: 0,
}));
for (let round = 0; round < rounds; round++) {
  for (let offset = 0; offset < arms.length; offset++) {
    const index = (round + offset) % arms.length;
    const result = await drive((gateways[index] as { url: string }).url, seconds * 1_000);
    const slot = results[index] as (typeof results)[number];
    slot.rps.push(result.rps);
    slot.p50.push(result.p50);
    slot.p99.push(result.p99);
    slot.errors += result.errors;
  }
}
const baseline = results[1] as (typeof results)[number];
console.log(`${rounds} interleaved rounds, ${seconds} s per arm per round, ${concurrency} in flight\n`);
console.log(
  'arm                          req/s (min–max)        vs memory (min–max)   p50 ms   p99 ms   non-200',
);
for (const [index, arm] of arms.entries()) {
  const result = results[index] as (typeof results)[number];
  const ratios = result.rps.map((rps, round) => rps / (baseline.rps[round] as number));
  const range = (list: number[], digits: number) =>
    `${median(list).toFixed(digits)} (${Math.min(...list).toFixed(digits)}–${Math.max(...list).toFixed(digits)})`;
  console.log(
    `${arm.name.padEnd(28)} ${range(result.rps, 0).padEnd(22)} ${range(ratios, 2).padEnd(21)} ${median(result.p50).toFixed(1).padStart(6)} ${median(result.p99).toFixed(1).padStart(8)} ${String(result.errors).padStart(9)}`,
  );
}
await Promise.all(gateways.map((gateway) => gateway.stop()));
await mock.close();
