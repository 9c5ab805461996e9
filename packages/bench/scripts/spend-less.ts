/**
 * What the cost features buy, measured briefly (about a minute in all), on loopback only:
 *
 *  1. Cache hits against upstream calls: requests/s and latency of one gateway for the same
 *     deterministic request, as an upstream call (`x-ferry-cache: no-cache`) and as a hit, JSON
 *     and streamed. The mock upstream runs in a child process with no latency of its own, so the
 *     upstream arm is the cheapest call there can be; autocannon runs in a worker thread.
 *     Interleaved rounds; medians with min–max, as ratios against the upstream arm of the run.
 *  2. Coalescing: upstream calls made by a burst of 100 identical requests, off and on.
 *  3. Embeddings micro-batching: upstream calls and per-caller latency of 1000 concurrent
 *     single-input callers, off and on (`windowMs: 5`).
 *
 *   pnpm --filter @ferry/bench bench:spend-less
 *
 * A benchmark, not a test: it asserts nothing. Figures go to docs/benchmarks.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createGateway, type GatewayOptions } from '@ferry/core';
import { handleNodeRequest } from '@ferry/core/node';
import { startMockUpstream } from '@ferry/mock-upstream';
import autocannon from 'autocannon';
import { request } from 'undici';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = 20;
const chatBody = {
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [{ role: 'user', content: 'What is the capital of France?' }],
};

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const spread = (values: number[], digits = 0) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

async function serve(options: GatewayOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const gateway = createGateway({ logger: false, ...options });
  const server: Server = createServer((req, res) => handleNodeRequest(gateway, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
    },
  };
}

async function startMockProcess(): Promise<{ url: string; child: ChildProcess }> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('@ferry/mock-upstream')), 'cli.js');
  const child = spawn(process.execPath, [cli, '--port', '0', '--no-record'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      const match = /listening on (\S+)/.exec(data.toString());
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error('the mock upstream exited')));
  });
  return { url, child };
}

async function load(url: string, body: object, headers: Record<string, string>) {
  const result = await autocannon({
    url: `${url}/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    connections,
    duration: seconds,
    workers: 1,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function hitsAgainstCalls() {
  const mock = await startMockProcess();
  const ferry = await serve({ upstream: { url: mock.url, local: true }, cache: {} });
  try {
    // Store the answer once, JSON and stream hits come from the same entry.
    await request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody),
    }).then((response) => response.body.text());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const arms = {
      'upstream call, JSON': () => load(ferry.url, chatBody, { 'x-ferry-cache': 'no-cache' }),
      'cache hit, JSON': () => load(ferry.url, chatBody, {}),
      'upstream call, stream': () =>
        load(ferry.url, { ...chatBody, stream: true }, { 'x-ferry-cache': 'no-cache' }),
      'cache hit, stream': () => load(ferry.url, { ...chatBody, stream: true }, {}),
    };
    const results: Record<string, Array<Awaited<ReturnType<typeof load>>>> = {};
    // Warm-up, then interleaved rounds.
    for (const run of Object.values(arms)) await run();
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of Object.entries(arms)) {
        const list = results[name] ?? [];
        list.push(await run());
        results[name] = list;
      }
    }
    console.log(
      `\n1. Cache hits against upstream calls (${connections} connections, ${seconds} s × ${rounds} rounds)`,
    );
    console.log('| arm | req/s | ratio | p50 ms | p99 ms | errors |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const kind of ['JSON', 'stream']) {
      const base = median((results[`upstream call, ${kind}`] ?? []).map((r) => r.rps));
      for (const name of [`upstream call, ${kind}`, `cache hit, ${kind}`]) {
        const list = results[name] ?? [];
        const rps = list.map((r) => r.rps);
        console.log(
          `| ${name} | ${spread(rps)} | ${(median(rps) / base).toFixed(2)}× | ${spread(list.map((r) => r.p50))} | ${spread(list.map((r) => r.p99))} | ${list.reduce((a, r) => a + r.errors, 0)} |`,
        );
      }
    }
  } finally {
    await ferry.close();
    mock.child.kill();
  }
}

async function coalescingBurst() {
  console.log('\n2. A burst of 100 identical requests (mock latency 200 ms; sampled, temperature 1)');
  console.log('| coalesce | upstream calls | slowest answer ms |');
  console.log('| --- | --- | --- |');
  for (const coalesce of [undefined, {}]) {
    const calls: number[] = [];
    const slowest: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const mock = await startMockUpstream({ latencyMs: 200 });
      const ferry = await serve({ upstream: { url: mock.url, local: true }, coalesce });
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 100 }, () =>
          request(`${ferry.url}/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ...chatBody, temperature: 1 }),
          }).then((response) => response.body.text()),
        ),
      );
      slowest.push(performance.now() - started);
      calls.push(mock.requests.length);
      await ferry.close();
      await mock.close();
    }
    console.log(`| ${coalesce === undefined ? 'off' : 'on'} | ${spread(calls)} | ${spread(slowest)} |`);
  }
}

async function embeddingsBatching() {
  console.log('\n3. 1000 concurrent single-input embeddings callers');
  console.log('| batching | upstream calls | p50 ms | p99 ms |');
  console.log('| --- | --- | --- | --- |');
  for (const embeddingsBatching of [undefined, { windowMs: 5 }]) {
    const calls: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const mock = await startMockUpstream({ record: true });
      const ferry = await serve({ upstream: { url: mock.url, local: true }, embeddingsBatching });
      const durations = await Promise.all(
        Array.from({ length: 1000 }, async (_, index) => {
          const started = performance.now();
          const response = await request(`${ferry.url}/embeddings`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'text-embedding-3-small', input: `input number ${index}` }),
          });
          await response.body.text();
          return performance.now() - started;
        }),
      );
      durations.sort((a, b) => a - b);
      p50.push(durations[499] as number);
      p99.push(durations[989] as number);
      calls.push(mock.requests.length);
      await ferry.close();
      await mock.close();
    }
    console.log(
      `| ${embeddingsBatching === undefined ? 'off' : 'on, windowMs 5'} | ${spread(calls)} | ${spread(p50)} | ${spread(p99)} |`,
    );
  }
}

await hitsAgainstCalls();
await coalescingBurst();
await embeddingsBatching();
