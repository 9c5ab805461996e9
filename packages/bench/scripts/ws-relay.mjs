#!/usr/bin/env node
// What Ferry's WebSocket relay costs: memory per open Realtime session (1000 idle sessions) and
// the latency it adds per relayed frame (100 active sessions, each sending
// `conversation.item.create` and timing the mock's `conversation.item.added`: one frame each
// way), through one Ferry process against a direct connection to the mock in another process.
// Build first (`pnpm build`). A benchmark, not a test; loopback only.
//
//   node packages/bench/scripts/ws-relay.mjs [--idle 1000] [--active 100] [--frames 20] [--rounds 3]
//
// Arms run interleaved (direct, ferry, direct, ...) after a warm-up; the end prints the median
// of the rounds' p50 and p99 with min–max, and the ferry/direct ratio.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    idle: { type: 'string', default: '1000' },
    active: { type: 'string', default: '100' },
    frames: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
  },
});
const idle = Number(values.idle);
const active = Number(values.active);
const frames = Number(values.frames);
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL('../../../', import.meta.url));

function start(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

const mock = await start([join(root, 'packages/mock-upstream/dist/cli.js'), '--port', '0']);
const config = join(tmpdir(), `ferry-ws-bench-${process.pid}.json`);
writeFileSync(config, JSON.stringify({ logger: false, upstream: { url: `${mock.origin}/v1`, local: true } }));
const ferry = await start([join(root, 'packages/server/dist/cli.js'), '--config', config, '--port', '0']);
const url = (origin) => `${origin.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`;

/** Opens a session and resolves once `session.created` arrived. */
const open = (origin) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url(origin));
    socket.once('message', () => resolve(socket));
    socket.once('error', reject);
  });
const item = JSON.stringify({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
});
/** `frames` round trips on one session; resolves with their durations in ms. */
const roundTrips = (socket) =>
  new Promise((resolve) => {
    const times = [];
    let sentAt = 0;
    const next = () => {
      sentAt = performance.now();
      socket.send(item);
    };
    socket.on('message', (data) => {
      if (!data.toString().includes('"conversation.item.added"')) return;
      times.push(performance.now() - sentAt);
      if (times.length === frames) {
        socket.removeAllListeners('message');
        resolve(times);
      } else next();
    });
    next();
  });
const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function activeRound(origin) {
  const sockets = await Promise.all(Array.from({ length: active }, () => open(origin)));
  const times = (await Promise.all(sockets.map(roundTrips))).flat().sort((a, b) => a - b);
  for (const socket of sockets) socket.close();
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

// Memory: Ferry's RSS before and after opening the idle sessions (each holds a client and an
// upstream socket in Ferry).
await activeRound(ferry.origin); // warm-up
await new Promise((resolve) => setTimeout(resolve, 500));
const before = rssKiB(ferry.child.pid);
const idleSockets = [];
for (let index = 0; index < idle; index += 50)
  idleSockets.push(
    ...(await Promise.all(Array.from({ length: Math.min(50, idle - index) }, () => open(ferry.origin)))),
  );
await new Promise((resolve) => setTimeout(resolve, 500));
const afterIdle = rssKiB(ferry.child.pid);
console.log(
  `idle sessions: ${idleSockets.length}; Ferry RSS ${before} KiB -> ${afterIdle} KiB: ${((afterIdle - before) / idleSockets.length).toFixed(1)} KiB per session`,
);

// Latency with the idle sessions still open.
const results = { direct: [], ferry: [] };
await activeRound(mock.origin); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const arm of ['direct', 'ferry']) {
    const result = await activeRound(arm === 'direct' ? mock.origin : ferry.origin);
    results[arm].push(result);
    console.log(
      `round ${round + 1} ${arm}: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`,
    );
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const range = (list) => `${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)}`;
for (const q of ['p50', 'p99']) {
  const direct = results.direct.map((result) => result[q]);
  const viaFerry = results.ferry.map((result) => result[q]);
  console.log(
    `${q}: direct ${median(direct).toFixed(2)} ms (${range(direct)}), ferry ${median(viaFerry).toFixed(2)} ms (${range(viaFerry)}), ratio ${(median(viaFerry) / median(direct)).toFixed(2)}, added ${(median(viaFerry) - median(direct)).toFixed(2)} ms per round trip (two relayed frames)`,
  );
}
for (const socket of idleSockets) socket.terminate();
ferry.child.kill();
mock.child.kill();
