import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { request } from 'undici';
import { createGateway, type Gateway } from '../gateway.js';
import {
  captureLogs,
  type GatewayServer,
  type GatewayWithMock,
  type RawUpstream,
  send,
  startGatewayServer,
  startGatewayWithMock,
  startRawUpstream,
} from '../testing/index.js';
import { handleNodeRequest } from './handle-node-request.js';

/** Opens a raw connection, sends one request, and hands back the socket and its first bytes. */
async function openStream(port: number, body: string, headers: Record<string, string> = {}) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: ferry\r\nContent-Type: application/json\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return socket;
}

// Twice: the plain relay, and the relay behind the usage-removing transform.
for (const requestStreamUsage of [false, true])
  describe(`client going away (requestStreamUsage: ${requestStreamUsage})`, () => {
    let ferry: GatewayWithMock;
    const logs = captureLogs();
    before(async () => {
      ferry = await startGatewayWithMock(
        { logger: logs.logger, requestStreamUsage },
        { chunks: 200, chunkIntervalMs: 20 },
      );
    });
    after(() => ferry.close());

    it('aborts the upstream request at once when the client leaves mid-stream', async () => {
      const socket = await openStream(
        ferry.port,
        JSON.stringify({ model: 'gpt-4o-mini', messages: [], stream: true }),
        { 'x-request-id': 'abort-mid-stream' },
      );
      const recorded = await ferry.mock.nextRequest();
      // Wait for the first relayed event, then leave while ~4 s of stream remain upstream.
      let seen = '';
      while (!seen.includes('data: ')) seen += String((await once(socket, 'data'))[0]);
      socket.destroy();

      assert.deepEqual((await recorded.closed).completed, false);
      const line = await logs.waitFor((entry) => entry.requestId === 'abort-mid-stream');
      assert.equal(line.status, 200);
      assert.equal(line.error, 'client_closed_request');
      assert.equal(line.msg, 'request failed');
    });

    it('aborts the upstream request when the client leaves before the upstream answered', async () => {
      const socket = await openStream(
        ferry.port,
        JSON.stringify({ model: 'gpt-4o-mini', messages: [], stream: true }),
        { 'x-request-id': 'abort-before-headers', 'x-mock-latency-ms': '5000' },
      );
      const recorded = await ferry.mock.nextRequest();
      socket.destroy();

      assert.deepEqual((await recorded.closed).completed, false);
      const line = await logs.waitFor((entry) => entry.requestId === 'abort-before-headers');
      assert.equal(line.status, 499);
      assert.equal(line.error, 'client_closed_request');
    });

    it('aborts a non-stream request the same way', async () => {
      const socket = await openStream(ferry.port, JSON.stringify({ model: 'gpt-4o-mini', messages: [] }), {
        'x-request-id': 'abort-non-stream',
        'x-mock-latency-ms': '5000',
      });
      const recorded = await ferry.mock.nextRequest();
      socket.destroy();
      assert.deepEqual((await recorded.closed).completed, false);
      const line = await logs.waitFor((entry) => entry.requestId === 'abort-non-stream');
      assert.equal(line.status, 499);
    });

    it('logs a client that leaves while still sending its body, and never calls the upstream', async () => {
      const before = ferry.mock.requests.length;
      const socket = connect(ferry.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST /v1/chat/completions HTTP/1.1\r\nHost: ferry\r\nContent-Type: application/json\r\n' +
          'X-Request-Id: abort-during-body\r\nContent-Length: 1000\r\n\r\n{"model":',
      );
      // The head is parsed and the body is being read when the connection ends.
      socket.destroy();
      const line = await logs.waitFor((entry) => entry.requestId === 'abort-during-body');
      assert.equal(line.status, 499);
      assert.equal(line.error, 'client_closed_request');
      assert.equal(ferry.mock.requests.length, before);
    });
  });

describe('a slow client (backpressure) while the upstream is healthy', () => {
  const idleTimeoutMs = 200;
  const event = `data: ${JSON.stringify({ choices: [{ delta: { content: 'x'.repeat(64 * 1024) } }] })}\n\n`;
  const maxEvents = 512; // 32 MiB: far more than every socket buffer on the way holds
  let upstream: RawUpstream;
  let ferry: GatewayServer;
  const logs = captureLogs();
  const upstreamState = new EventEmitter();
  let written = 0;

  before(async () => {
    upstream = await startRawUpstream((incoming, response) => {
      incoming.resume();
      incoming.once('end', async () => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let index = 0; index < maxEvents; index++) {
          written++;
          if (!response.write(event)) {
            upstreamState.emit('blocked');
            await once(response, 'drain');
          }
          if (response.destroyed) return;
        }
        response.end('data: [DONE]\n\n');
      });
    });
    ferry = await startGatewayServer({
      upstream: { local: true, url: upstream.url, idleTimeoutMs },
      logger: logs.logger,
    });
  });
  after(async () => {
    await ferry.close();
    await upstream.close();
  });

  it('pauses the upstream instead of timing it out, and completes the stream intact', async () => {
    const blocked = once(upstreamState, 'blocked');
    const response = await request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'slow-client' },
      body: '{"model":"m","messages":[],"stream":true}',
    });
    // The client reads nothing until backpressure has held the upstream still for longer than
    // the idle timeout. undici's body timer does not fire while its parser is paused.
    await blocked;
    // Wait until the upstream made no progress for twice the idle timeout: it is held still by
    // backpressure (however long filling the socket buffers took on a busy machine).
    let stalledAt = -1;
    while (written !== stalledAt) {
      stalledAt = written;
      await sleep(2 * idleTimeoutMs);
    }
    assert.ok(written < maxEvents, 'backpressure never reached the upstream');
    let bytes = 0;
    let tail = '';
    for await (const chunk of response.body) {
      bytes += (chunk as Buffer).byteLength;
      tail = (tail + String(chunk)).slice(-64);
    }
    assert.equal(bytes, written * Buffer.byteLength(event) + 'data: [DONE]\n\n'.length);
    assert.ok(tail.endsWith('data: [DONE]\n\n'));
    const line = await logs.waitFor((entry) => entry.requestId === 'slow-client');
    assert.equal(line.status, 200);
    assert.equal(line.error, undefined);
  });
});

describe('a body a framework already read', () => {
  let mock: MockUpstream;
  let gateway: Gateway;
  let server: Server;
  let origin: string;
  before(async () => {
    mock = await startMockUpstream();
    gateway = createGateway({ upstream: { url: mock.url, local: true }, logger: false });
    // Stands in for a framework: reads and parses the body, mounts the gateway under /llm.
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString();
      const mode = request.headers['x-test-mode'];
      await handleNodeRequest(gateway, request, response, {
        url: request.url?.replace(/^\/llm/, ''),
        parsedBody: raw === '' ? undefined : JSON.parse(raw),
        ...(mode === 'raw' ? { rawBody: raw } : {}),
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await gateway.close();
    await mock.close();
  });

  const body = '{ "model": "gpt-4o-mini",\n  "messages": [] }';

  it('forwards the raw bytes when the framework kept them', async () => {
    const answer = await send(`${origin}/llm/v1/chat/completions?a=1`, {
      headers: { 'content-type': 'application/json', 'x-test-mode': 'raw' },
      body,
    });
    assert.equal(answer.status, 200);
    const recorded = await mock.nextRequest();
    assert.equal(recorded.body.toString(), body);
    assert.equal(recorded.path, '/v1/chat/completions?a=1');
  });

  it('re-serialises the parsed body when no raw bytes were kept', async () => {
    const answer = await send(`${origin}/llm/v1/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(answer.status, 200);
    assert.equal((await mock.nextRequest()).body.toString(), JSON.stringify(JSON.parse(body)));
  });
});
