// Child process for the close() test: starts requests that keep the mock busy in every way it
// can wait (latency timer, stall, trickle timer, chunk interval, split turns), closes the mock
// and then simply returns. The parent asserts that the process exits on its own.
import { request } from 'undici';
import { startMockUpstream } from '../index.js';

const mock = await startMockUpstream();
const body = JSON.stringify({ model: 'gpt-4o', messages: [], stream: true });
const headersOf: Record<string, string>[] = [
  { 'x-mock-latency-ms': '60000' },
  { 'x-mock-fault': 'stall-before-headers' },
  { 'x-mock-fault': 'trickle=50' },
  { 'x-mock-chunk-interval-ms': '60000' },
  { 'x-mock-fault': 'stall-after=1;split=3' },
];
const pending = headersOf.map((headers) =>
  request(`${mock.url}/chat/completions`, { method: 'POST', headers, body })
    .then((response) => response.body.text())
    .catch(() => 'failed'),
);
while (mock.requests.length < headersOf.length) await new Promise((resolve) => setTimeout(resolve, 5));
await mock.close();
const closed = await Promise.all(mock.requests.map((recorded) => recorded.closed));
await Promise.all(pending);
const unfinished = closed.filter((result) => !result.completed).length;
console.log(`closed ${unfinished} in-flight exchanges`);
