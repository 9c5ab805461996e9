// @ts-check
// One gateway instance. Start three (or more) with the same REDIS_URL and they share one limit
// and one upstream pace:
//   PORT=8801 node src/instance.js & PORT=8802 node src/instance.js & PORT=8803 node src/instance.js
import { createServer } from 'node:http';
import { createGateway } from '@ferry/core';
import { handleNodeRequest } from '@ferry/core/node';

const environment = process.env;
const upstreamUrl = environment.FERRY_UPSTREAM_URL;
if (!upstreamUrl) {
  console.error('Set FERRY_UPSTREAM_URL (e.g. https://api.openai.com/v1, or a mock upstream).');
  process.exit(1);
}

const gateway = createGateway({
  upstream: {
    url: upstreamUrl,
    apiKey: environment.FERRY_UPSTREAM_API_KEY,
    // The mock upstream of `try-it.js` runs on this machine.
    local: environment.FERRY_UPSTREAM_LOCAL === 'true',
  },
  clientKeys: (environment.FERRY_CLIENT_KEYS ?? 'sk-demo').split(','),
  redis: {
    url: environment.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix: environment.FERRY_REDIS_PREFIX ?? 'ferry-example:',
    // While Redis is down each instance's insurance limiter and pacer take a third.
    instances: Number(environment.FERRY_INSTANCES ?? 3),
  },
  // One bucket per upstream key in Redis: together the instances stay under its quota.
  pacing: { requestsPerMinute: Number(environment.FERRY_UPSTREAM_RPM ?? 3_000), maxWaitMs: 30_000 },
  limits: {
    key: 'client',
    requests: {
      limit: Number(environment.FERRY_REQUESTS_PER_MINUTE ?? 20),
      windowSeconds: 60,
      // `gcra`: a token bucket, no 2x burst across a window boundary.
      algorithm: environment.FERRY_LIMIT_ALGORITHM === 'gcra' ? 'gcra' : 'fixed-window',
    },
    tokens: { limit: Number(environment.FERRY_TOKENS_PER_MINUTE ?? 100_000), windowSeconds: 60 },
  },
  logger: { level: environment.LOG_LEVEL ?? 'warn' },
});
await gateway.ready();

const server = createServer((request, response) => handleNodeRequest(gateway, request, response));
server.listen(Number(environment.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  // One JSON line, so a parent process (try-it.js) can read where this instance listens.
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/v1`, pid: process.pid }));
});

const shutdown = () => {
  server.close();
  server.closeAllConnections();
  void gateway.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
