import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { requestFor } from '../scenario/workloads.js';
import { runLoad } from './run-load.js';

const servers: Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

/** A real server on port 0 that answers each connection's first request after `firstMs`. */
async function serve(firstMs: number, laterMs: number): Promise<string> {
  const seen = new WeakSet<object>();
  const server = createServer((request, response) => {
    const first = !seen.has(request.socket);
    seen.add(request.socket);
    request.resume();
    request.on('end', () => {
      setTimeout(() => response.end('{"ok":true}'), first ? firstMs : laterMs);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('the headline latency covers every request, first ones included, as autocannon counts it', async () => {
  const origin = await serve(300, 10);
  const result = await runLoad(origin, requestFor({ name: 'chat' }), {
    connections: 4,
    durationSeconds: 1,
    timeoutSeconds: 5,
  });
  assert.equal(result.errors, 0);
  assert.equal(result.firstRequest?.count, 4);
  assert.ok((result.firstRequest?.p50 ?? 0) >= 295, 'each first request waited 300 ms');
  // Four slow requests among a few hundred are more than 1 %: the p99 must show them.
  assert.equal(result.latency?.count, result.requests);
  assert.ok((result.latency?.p99 ?? 0) >= 295, `p99 ${result.latency?.p99}`);
  assert.ok((result.latency?.max ?? 0) >= 295);
  assert.equal(result.autocannon.count, result.requests, 'same population as autocannon');
  assert.ok(Math.abs(result.autocannon.p99 - (result.latency?.p99 ?? 0)) <= 1.5);
  assert.equal(result.littlesLaw.holds, true, result.littlesLaw.message);
});

test('client timeouts are errors, and Little’s law counts them at the timeout', async () => {
  // A server that never answers: every request times out after 1 s (autocannon's least).
  const server = createServer((request) => request.resume());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result = await runLoad(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requestFor({ name: 'chat' }),
    { connections: 2, durationSeconds: 1.5, timeoutSeconds: 1 },
  );
  assert.ok(result.timeouts >= 2, `timeouts ${result.timeouts}`);
  assert.equal(result.requests, 0);
  assert.equal(result.latency, undefined);
  assert.equal(result.errors, result.connectionErrors + result.timeouts + result.non2xx);
  assert.ok(result.errors >= result.timeouts && result.errors >= 2);
  // The law's mean counts each timed-out request at the timeout it held its connection for.
  assert.equal(result.littlesLaw.measuredMeanMs, 1_000);
});

test('non-2xx answers are errors', async () => {
  const server = createServer((request, response) => {
    request.resume();
    response.statusCode = 503;
    setTimeout(() => response.end(), 5);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result = await runLoad(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requestFor({ name: 'chat' }),
    { connections: 1, durationSeconds: 0.5, timeoutSeconds: 5 },
  );
  assert.ok(result.non2xx > 0);
  assert.equal(result.errors, result.non2xx + result.connectionErrors + result.timeouts);
});
