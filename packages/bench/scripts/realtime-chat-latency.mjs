#!/usr/bin/env node
// Latency of Chat Completions for a realtime-only model (Ferry opens a Realtime session per
// request) against the same request for an HTTP model, through one Ferry process, with the
// mock upstream in another: what the WebSocket leg adds per request. Build first (`pnpm build`).
//
//   node packages/bench/scripts/realtime-chat-latency.mjs [--requests 400] [--concurrency 10] [--rounds 3]
//
// Arms run interleaved, a warm-up round first; each round prints per-arm p50/p99, the end
// prints medians over rounds with min–max and the realtime/HTTP ratio. A benchmark, not a test.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Spawns a node process and resolves with the first `http://…/v1` URL it prints. */
function start(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (data) => {
      output += data;
      const match = /(http:\/\/[\d.]+:\d+)\/v1/.exec(output);
      if (match) resolve({ child, origin: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

const mock = await start([join(root, 'packages/mock-upstream/dist/cli.js'), '--port', '0', '--chunks', '5']);
const config = join(tmpdir(), `ferry-realtime-bench-${process.pid}.json`);
writeFileSync(
  config,
  JSON.stringify({
    logger: false,
    upstream: { url: `${mock.origin}/v1`, local: true, realtimeModels: ['gpt-realtime'] },
  }),
);
const ferry = await start([join(root, 'packages/server/dist/cli.js'), '--config', config, '--port', '0']);
const pool = new Pool(ferry.origin, { connections: concurrency });
const messages = [{ role: 'user', content: 'Say hello in one short sentence.' }];
const arms = {
  http: JSON.stringify({ model: 'gpt-4o-mini', messages }),
  realtime: JSON.stringify({ model: 'gpt-realtime', messages }),
};

async function run(body) {
  const latencies = [];
  let sent = 0;
  let failed = 0;
  const worker = async () => {
    while (sent < requests) {
      sent += 1;
      const start = performance.now();
      const response = await pool.request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.body.text();
      if (response.statusCode !== 200) failed += 1;
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99), failed };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const results = { http: [], realtime: [] };
try {
  for (const body of Object.values(arms)) await run(body); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    // Alternate which arm goes first, so drift on a shared machine hits both.
    const order = round % 2 === 0 ? ['http', 'realtime'] : ['realtime', 'http'];
    for (const arm of order) {
      const result = await run(arms[arm]);
      results[arm].push(result);
      console.log(
        `round ${round + 1} ${arm}: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, failed ${result.failed}`,
      );
    }
  }
  for (const quantile of ['p50', 'p99']) {
    const http = results.http.map((result) => result[quantile]);
    const realtime = results.realtime.map((result) => result[quantile]);
    const ratios = realtime.map((value, index) => value / http[index]);
    console.log(
      `${quantile}: http ${median(http).toFixed(2)} ms (${Math.min(...http).toFixed(2)}–${Math.max(...http).toFixed(2)}), ` +
        `realtime ${median(realtime).toFixed(2)} ms (${Math.min(...realtime).toFixed(2)}–${Math.max(...realtime).toFixed(2)}), ` +
        `ratio ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
  }
} finally {
  await pool.close();
  ferry.child.kill('SIGTERM');
  mock.child.kill('SIGTERM');
}
