import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { resolveOptions } from '../options.js';
import {
  captureLogs,
  type GatewayServer,
  type RawUpstream,
  startGatewayServer,
  startRawUpstream,
} from '../testing/index.js';

const event = Buffer.from(`data: {"choices":[{"delta":{"content":"${'x'.repeat(16_000)}"}}]}\n\n`);

/** Streams events without end, as fast as the connection takes them, until the socket closes. */
async function streamForever(response: ServerResponse): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  while (!response.destroyed) {
    if (!response.write(event)) await once(response, 'drain').catch(() => undefined);
  }
}

describe('clientStallTimeoutMs', () => {
  const logs = captureLogs('warn');
  let upstream: RawUpstream;
  let ferry: GatewayServer;
  let upstreamClosed: Promise<boolean>;
  before(async () => {
    let closedEarly: (early: boolean) => void = () => undefined;
    upstreamClosed = new Promise((resolve) => {
      closedEarly = resolve;
    });
    upstream = await startRawUpstream((_request, response) => {
      response.once('close', () => closedEarly(!response.writableEnded));
      // No 'drain' comes after 'close': release the write loop, which then sees `destroyed`.
      response.once('close', () => response.emit('drain'));
      void streamForever(response);
    });
    ferry = await startGatewayServer({
      upstream: { url: upstream.url, local: true },
      clientStallTimeoutMs: 200,
      logger: logs.logger,
    });
  });
  after(async () => {
    await ferry.close();
    await upstream.close();
  });

  it('defaults to five minutes, and 0 is accepted as off', () => {
    const options = { upstream: { url: 'http://127.0.0.1:9/v1' } };
    assert.equal(resolveOptions(options).clientStallTimeoutMs, 300_000);
    assert.equal(resolveOptions({ ...options, clientStallTimeoutMs: 0 }).clientStallTimeoutMs, 0);
  });

  it('closes a client that stops reading, which closes the upstream connection too', async () => {
    const socket = connect(ferry.port, '127.0.0.1');
    await once(socket, 'connect');
    // Never read: the socket buffers fill and Ferry's writes block on 'drain'.
    socket.pause();
    const closed = once(socket, 'close');
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] });
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `x-request-id: stalled-reader-1\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.equal(await upstreamClosed, true, 'the upstream saw its connection close mid-stream');
    const line = await logs.waitFor((entry) => entry.code === 'client_stalled');
    assert.equal(line.requestId, 'stalled-reader-1');
    assert.equal(line.timeoutMs, 200);
    // Reading now drains what was buffered, then finds the connection closed.
    socket.resume();
    await closed;
  });
});
