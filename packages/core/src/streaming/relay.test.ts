import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { request } from 'undici';
import {
  type GatewayServer,
  type RawUpstream,
  startGatewayServer,
  startRawUpstream,
} from '../testing/index.js';

/**
 * An SSE body as real upstreams write it, with multi-byte UTF-8 (2, 3 and 4 bytes), LF and CRLF
 * line ends, a comment and an event name, so that every kind of seam can be cut.
 */
const sseBody = Buffer.from(
  [
    'data: {"id":"1","choices":[{"delta":{"content":"你好，世界"}}]}\n\n',
    'data: {"id":"2","choices":[{"delta":{"content":"🚀✨ émoji"}}]}\r\n\r\n',
    ': keep-alive\r\n\r\n',
    'event: message\r\ndata: {"id":"3","choices":[{"delta":{"content":"𝄞 中文 ü"}}]}\r\n\r\n',
    'data: {"id":"4","choices":[{"delta":{},"finish_reason":"stop"}]}\n\n',
    'data: [DONE]\n\n',
  ].join(''),
);

/** Sorted, distinct cut points strictly inside the body. */
const cutPoints = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: 24 })
    .map((points) => points.sort((a, b) => a - b));

const piecesAt = (bytes: Buffer, points: readonly number[]) => {
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
};

describe('SSE relay through the gateway', () => {
  let upstream: RawUpstream;
  let ferry: GatewayServer;
  // The pieces the upstream writes for the next request, and how far the client has read.
  let plannedPieces: Buffer[] = [];
  let received = 0;
  const progress = new EventEmitter();

  const clientHas = async (bytes: number) => {
    while (received < bytes) await once(progress, 'data');
  };

  const writePieces = async (response: ServerResponse, pieces: Buffer[], waitForClient: boolean) => {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    response.flushHeaders();
    let sent = 0;
    for (const piece of pieces) {
      response.write(piece);
      sent += piece.byteLength;
      // Waiting until the client holds every byte so far proves each piece was relayed on its
      // own, at once, and not held back until more arrived.
      if (waitForClient) await clientHas(sent);
      else await new Promise((resolve) => setImmediate(resolve));
    }
    response.end();
  };

  before(async () => {
    upstream = await startRawUpstream((incoming, response) => {
      incoming.resume();
      incoming.once('end', () => {
        if (incoming.headers['x-test-cut'] === '1') {
          // One whole event, half of the next, then the connection drops.
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write('data: {"choices":[{"delta":{"content":"你好"}}]}\n\ndata: {"choices":[{"del');
          setImmediate(() => response.socket?.destroy());
          return;
        }
        response.socket?.setNoDelay(true);
        void writePieces(response, plannedPieces, incoming.headers['x-test-lockstep'] === '1');
      });
    });
    ferry = await startGatewayServer({ upstream: { local: true, url: upstream.url } });
  });
  after(async () => {
    await ferry.close();
    await upstream.close();
  });

  const relay = async (pieces: Buffer[], lockstep = true): Promise<Buffer> => {
    plannedPieces = pieces;
    received = 0;
    const response = await request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-lockstep': lockstep ? '1' : '0' },
      body: '{"model":"gpt-4o-mini","messages":[],"stream":true}',
    });
    assert.equal(response.statusCode, 200);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      received += (chunk as Buffer).byteLength;
      progress.emit('data');
    }
    return Buffer.concat(chunks);
  };

  it('relays the body unchanged when cut at every single point', async () => {
    for (let point = 1; point < sseBody.length; point++) {
      const relayed = await relay(piecesAt(sseBody, [point]));
      assert.ok(relayed.equals(sseBody), `cut at byte ${point}`);
    }
  });

  it('relays the body unchanged when every byte arrives on its own', async () => {
    const points = Array.from({ length: sseBody.length - 1 }, (_, index) => index + 1);
    assert.ok((await relay(piecesAt(sseBody, points))).equals(sseBody));
  });

  it('relays the body unchanged for arbitrary sets of cut points (property)', async () => {
    await fc.assert(
      fc.asyncProperty(cutPoints(sseBody.length), async (points) => {
        const relayed = await relay(piecesAt(sseBody, points));
        assert.ok(relayed.equals(sseBody));
      }),
      { numRuns: 150 },
    );
  });

  it('never ends cleanly when the upstream drops mid-event: the client sees an error and an abort', async () => {
    const response = await request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-cut': '1' },
      body: '{"model":"gpt-4o-mini","messages":[],"stream":true}',
    });
    assert.equal(response.statusCode, 200);
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of response.body) text += String(chunk);
    });
    // The partial event is closed, so the error arrives as an event of its own that parses.
    const events = text.split('\n\n');
    assert.deepEqual(events.slice(0, 2), [
      'data: {"choices":[{"delta":{"content":"你好"}}]}',
      'data: {"choices":[{"del',
    ]);
    assert.equal(events.at(-1), '');
    const error = JSON.parse(events.at(-2)!.slice('data: '.length));
    assert.equal(error.error.code, 'upstream_stream_error');
    assert.equal(error.error.type, 'server_error');
    assert.ok(!text.includes('[DONE]'));
  });
});
