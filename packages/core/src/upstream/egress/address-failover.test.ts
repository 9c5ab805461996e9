import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import type { GatewayOptions } from '../../options.js';
import { errorCode, postChat } from '../../policies/resilience/test-client.js';
import { type GatewayServer, startGatewayServer } from '../../testing/index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const cert = fixture('upstream.ferry.test.crt');
const key = fixture('upstream.ferry.test.key');
const hostname = 'upstream.ferry.test';

// The mock listens on 127.0.0.1 only: the same port on 127.0.0.2 (still loopback) refuses.
const deadAddress = '127.0.0.2';

describe('failover across the addresses of one name', () => {
  let mock: MockUpstream;
  let tlsServer: Server;
  let tlsPort: number;
  let blackHole: TcpServer;
  const heldSockets = new Set<Socket>();
  const gateways: GatewayServer[] = [];
  const gatewayFor = async (upstream: Record<string, unknown>) => {
    const ferry = await startGatewayServer({ upstream, logger: false } as GatewayOptions);
    gateways.push(ferry);
    return ferry;
  };

  before(async () => {
    mock = await startMockUpstream();
    tlsServer = createHttpsServer({ cert, key }, (request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"id":"chatcmpl-failover","object":"chat.completion","choices":[]}');
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
    // Accepts TCP on the TLS port's twin address and never answers the handshake.
    blackHole = createTcpServer((socket) => {
      heldSockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => blackHole.listen(tlsPort, deadAddress, resolve));
  });

  after(async () => {
    for (const ferry of gateways) await ferry.close();
    for (const socket of heldSockets) socket.destroy();
    tlsServer.closeAllConnections();
    await Promise.all([
      mock.close(),
      new Promise((resolve) => tlsServer.close(resolve)),
      new Promise((resolve) => blackHole.close(resolve)),
    ]);
  });

  it('moves on to the next address when the first refuses', async () => {
    mock.reset();
    const ferry = await gatewayFor({
      url: `http://multi.ferry.test:${mock.port}/v1`,
      addresses: { 'multi.ferry.test': [deadAddress, '127.0.0.1'] },
      local: true,
      connectTimeoutMs: 2_000,
      // A fresh connection per request, so each one goes through the connector.
      keepAliveTimeoutMs: 1,
    });
    for (let request = 0; request < 3; request++) {
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 200);
    }
    assert.equal(mock.requests.length, 3);
  });

  it('moves on when the first address times out, within the connect budget, keeping the TLS name', async () => {
    const ferry = await gatewayFor({
      url: `https://${hostname}:${tlsPort}/v1`,
      addresses: { [hostname]: [deadAddress, '127.0.0.1'] },
      ca: cert,
      local: true,
      connectTimeoutMs: 1_000,
    });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /chatcmpl-failover/);
    assert.ok(heldSockets.size >= 1, 'the black-holed address was tried first');
  });

  it('fails as unreachable when every address refuses', async () => {
    const ferry = await gatewayFor({
      url: `http://multi.ferry.test:${mock.port}/v1`,
      addresses: { 'multi.ferry.test': [deadAddress, '127.0.0.3'] },
      local: true,
      connectTimeoutMs: 2_000,
    });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 502);
    assert.equal(errorCode(answer.text), 'upstream_unreachable');
  });

  it('checks every address against the private-range guard', async () => {
    mock.reset();
    const ferry = await gatewayFor({
      url: `http://multi.ferry.test:${mock.port}/v1`,
      addresses: { 'multi.ferry.test': [deadAddress, '127.0.0.1'] },
      connectTimeoutMs: 2_000,
    });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 502);
    assert.equal(errorCode(answer.text), 'upstream_address_refused');
    assert.equal(mock.requests.length, 0);
  });
});
