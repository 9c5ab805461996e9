import assert from 'node:assert/strict';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { errors, request } from 'undici';
import { GatewayError } from '../errors.js';
import { gatewayInternals } from '../gateway.js';
import {
  assertErrorAnswer,
  captureLogs,
  decodeChunked,
  type GatewayWithMock,
  rawExchange,
  send,
  splitRawResponse,
  startGatewayServer,
  startGatewayWithMock,
} from '../testing/index.js';
import { upstreamFailure } from './upstream-failure.js';

const upstreamKey = 'sk-upstream-canary-51c2e8';
const messages = [{ role: 'user', content: 'hi' }];

/** A port that was free a moment ago and that nobody listens on now. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends a raw streamed chat request and returns what came back, framing included. */
async function rawStream(port: number, headers: Record<string, string>) {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true });
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const exchange = await rawExchange(
    port,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: ferry\r\nContent-Type: application/json\r\n${head}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const response = splitRawResponse(exchange.bytes);
  const { data, complete } = decodeChunked(response.body);
  const events = data
    .toString()
    .split('\n\n')
    .filter((event) => event !== '');
  return { ...response, events, complete, ending: exchange.ending };
}

describe('upstream failures before the response started', () => {
  it('answers 502 upstream_unreachable when nobody listens', async () => {
    const ferry = await startGatewayServer({
      upstream: { local: true, url: `http://127.0.0.1:${await closedPort()}/v1`, apiKey: upstreamKey },
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, { body: { model: 'm', messages } });
      const error = assertErrorAnswer(answer, 502, 'upstream_unreachable', { secrets: [upstreamKey] });
      assert.doesNotMatch(error.message, /127\.0\.0\.1|ECONNREFUSED/);
      assert.equal(answer.headers['x-upstream-request-id'], undefined);
    } finally {
      await ferry.close();
    }
  });

  it('answers 504 upstream_connect_timeout when the connection cannot be set up in time', async () => {
    // An honest loopback connect timeout: a TCP server that accepts but never answers the TLS
    // handshake. undici's connect timeout covers the handshake of an https upstream.
    const sockets = new Set<Socket>();
    const silent: NetServer = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const ferry = await startGatewayServer({
      upstream: { local: true, url: `https://127.0.0.1:${port}/v1`, apiKey: upstreamKey },
      connectTimeoutMs: 200,
    });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, { body: { model: 'm', messages } });
      assertErrorAnswer(answer, 504, 'upstream_connect_timeout', { secrets: [upstreamKey] });
    } finally {
      await ferry.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('maps undici failures to stable codes', () => {
    const connect = upstreamFailure(new errors.ConnectTimeoutError(), 'before-headers', 'main');
    assert.equal(connect.code, 'upstream_connect_timeout');
    assert.equal(connect.status, 504);
    const headers = upstreamFailure(new errors.HeadersTimeoutError(), 'before-headers', 'main');
    assert.equal(headers.code, 'upstream_timeout');
    const wrapped = upstreamFailure(
      new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }),
      'before-headers',
      'main',
    );
    assert.equal(wrapped.code, 'upstream_unreachable');
    assert.equal(upstreamFailure(new Error('boom'), 'before-headers', 'main').code, 'upstream_error');
    assert.equal(upstreamFailure(new Error('boom'), 'in-body', 'main').code, 'upstream_stream_error');
    const own = new GatewayError('model_not_allowed', 'not this one');
    assert.equal(upstreamFailure(own, 'before-headers', 'main'), own);
  });
});

describe('upstream answers and failures through the mock', () => {
  let ferry: GatewayWithMock;
  const logs = captureLogs();
  before(async () => {
    ferry = await startGatewayWithMock(
      {
        upstream: { apiKey: upstreamKey },
        firstByteTimeoutMs: 200,
        idleTimeoutMs: 200,
        logger: logs.logger,
      },
      { chunks: 6 },
    );
  });
  after(() => ferry.close());

  it('answers 504 upstream_timeout when the upstream sends no headers in time', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { 'x-mock-fault': 'stall-before-headers' },
      body: { model: 'm', messages },
    });
    const recorded = await ferry.mock.nextRequest();
    assertErrorAnswer(answer, 504, 'upstream_timeout', { secrets: [upstreamKey] });
    // The stalled upstream request is given up, not left open.
    assert.equal((await recorded.closed).completed, false);
  });

  it('passes upstream 4xx and 5xx answers through with their status, headers and body', async () => {
    for (const fault of ['status=400', 'status=503;retry-after=7', 'status=429;retry-after-ms=1500']) {
      const status = Number(/status=(\d+)/.exec(fault)?.[1]);
      const direct = await send(`${ferry.mock.url}/chat/completions`, {
        headers: { 'x-mock-fault': fault },
        body: { model: 'm', messages },
      });
      const answer = await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-mock-fault': fault },
        body: { model: 'm', messages },
      });
      assert.equal(answer.status, status);
      assert.equal(answer.text, direct.text);
      assert.equal(answer.headers['retry-after'], direct.headers['retry-after']);
      assert.equal(answer.headers['retry-after-ms'], direct.headers['retry-after-ms']);
      assert.match(String(answer.headers['server-timing']), /^gateway;dur=\d/);
    }
  });

  it('answers 502 upstream_connection_reset when the upstream resets before its headers', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { 'x-mock-fault': 'reset-before-headers' },
      body: { model: 'm', messages },
    });
    assertErrorAnswer(answer, 502, 'upstream_connection_reset', { secrets: [upstreamKey] });
  });

  it('ends a stream cut after N events with the N events, an error event and an aborted connection', async () => {
    const result = await rawStream(ferry.port, {
      'x-mock-fault': 'reset-after=3',
      'x-request-id': 'reset-after-3',
    });
    assert.equal(result.status, 200);
    assert.equal(result.complete, false, 'the chunked body must not end cleanly');
    assert.equal(result.events.length, 4);
    for (const event of result.events.slice(0, 3)) assert.match(event, /^data: \{"id":"chatcmpl-mock/);
    const last = JSON.parse(result.events[3]!.slice('data: '.length));
    assert.deepEqual(Object.keys(last.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(last.error.code, 'upstream_stream_error');
    assert.ok(!result.events.join('').includes('[DONE]'));
    const line = await logs.waitFor((entry) => entry.requestId === 'reset-after-3');
    assert.equal(line.status, 200);
    assert.equal(line.error, 'upstream_stream_error');
  });

  it('ends a stream that stalls mid-way with upstream_idle_timeout and an aborted connection', async () => {
    const result = await rawStream(ferry.port, { 'x-mock-fault': 'stall-after=2' });
    const recorded = await ferry.mock.nextRequest(
      (request) => request.headers['x-mock-fault'] === 'stall-after=2',
    );
    assert.equal(result.complete, false);
    assert.equal(result.events.length, 3);
    const last = JSON.parse(result.events[2]!.slice('data: '.length));
    assert.equal(last.error.code, 'upstream_idle_timeout');
    assert.ok(!result.events.join('').includes(upstreamKey));
    assert.equal((await recorded.closed).completed, false);
  });

  it('aborts a non-stream answer cut mid-body instead of ending it short', async () => {
    const response = await request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mock-fault': 'reset-after=1',
        'x-request-id': 'cut-json',
      },
      body: JSON.stringify({ model: 'm', messages }),
    });
    assert.equal(response.statusCode, 200);
    await assert.rejects(response.body.text());
    const line = await logs.waitFor((entry) => entry.requestId === 'cut-json');
    assert.equal(line.error, 'upstream_stream_error');
  });
});

describe('per-upstream timeouts', () => {
  it("uses the upstream's own first-byte timeout over the gateway default", async () => {
    const ferry = await startGatewayWithMock({ upstream: { firstByteTimeoutMs: 200 } });
    try {
      const answer = await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'stall-before-headers' },
        body: { model: 'm', messages },
      });
      assertErrorAnswer(answer, 504, 'upstream_timeout');
      assert.equal(gatewayInternals(ferry.gateway).upstreams[0]?.firstByteTimeoutMs, 200);
    } finally {
      await ferry.close();
    }
  });
});
