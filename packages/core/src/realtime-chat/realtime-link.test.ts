import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildConnector } from 'undici';
import { WebSocketServer } from 'ws';
import { RealtimeLink } from './realtime-link.js';

describe('RealtimeLink', () => {
  const frames = 20_000;
  let server: WebSocketServer;
  let url: string;
  before(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    // A fast upstream: every frame of a long answer at once.
    server.on('connection', (socket) => {
      for (let index = 0; index < frames; index += 1) {
        socket.send(`{"type":"response.output_text.delta","delta":"piece ${index}"}`);
      }
    });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/realtime?model=m`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('pauses the socket for a slow reader, so the queue stays bounded, and loses nothing', async () => {
    const link = new RealtimeLink({
      url,
      headers: {},
      connect: buildConnector({}),
      handshakeTimeoutMs: 5_000,
    });
    assert.equal(await link.opened, undefined);
    // Nobody reads for a while: without the pause all 20 000 frames would be queued by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(link.queued < frames / 4, `${link.queued} events queued`);
    for (let index = 0; index < frames; index += 1) {
      const event = await link.next(5_000);
      assert.ok(typeof event === 'object', `event ${index}: ${String(event)}`);
      assert.equal(event.delta, `piece ${index}`);
    }
    link.close();
    assert.equal(await link.next(5_000), 'closed');
  });

  it('reports an upgrade answered with a status as a refusal with its body', async () => {
    const http = createServer();
    http.on('upgrade', (_request, socket) => {
      socket.end(
        'HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 2\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{"error":1}',
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const port = (http.address() as AddressInfo).port;
      const link = new RealtimeLink({
        url: `ws://127.0.0.1:${port}/v1/realtime`,
        headers: {},
        connect: buildConnector({}),
        handshakeTimeoutMs: 5_000,
      });
      const refusal = await link.opened;
      assert.equal(refusal?.status, 429);
      assert.equal(refusal?.headers['retry-after'], '2');
      assert.equal(Buffer.from(refusal?.body ?? []).toString(), '{"error":1}');
      link.close();
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
