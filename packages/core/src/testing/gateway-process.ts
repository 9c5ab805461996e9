// A gateway in its own process, for tests of limits shared across instances through Redis.
// Reads its options as JSON from FERRY_TEST_OPTIONS and prints `{"url": ...}` once listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway } from '../gateway.js';
import { handleNodeRequest } from '../node/handle-node-request.js';

const gateway = createGateway({ logger: false, ...JSON.parse(process.env.FERRY_TEST_OPTIONS ?? '{}') });
await gateway.ready();
const server = createServer((request, response) => handleNodeRequest(gateway, request, response));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/v1` })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void gateway.close().then(() => process.exit(0));
});
