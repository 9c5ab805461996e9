import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import type { GatewayOptions } from '../../options.js';
import {
  captureLogs,
  type GatewayServer,
  startGatewayServer,
  startRawUpstream,
} from '../../testing/index.js';
import { errorCode, postChat } from '../resilience/test-client.js';

const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 };

describe('retry', () => {
  let mock: MockUpstream;
  const gateways: GatewayServer[] = [];
  const gatewayFor = async (
    options: Partial<GatewayOptions> = {},
    upstream: Record<string, unknown> = {},
  ) => {
    const ferry = await startGatewayServer({
      upstream: { url: mock.url, local: true, ...upstream },
      retry: fastRetry,
      ...options,
    } as GatewayOptions);
    gateways.push(ferry);
    return ferry;
  };
  before(async () => {
    mock = await startMockUpstream({ chunks: 4 });
  });
  beforeEach(() => mock.reset());
  after(async () => {
    for (const ferry of gateways) await ferry.close();
    await mock.close();
  });

  it('retries a refused connection, then fails with x-should-retry: false', async () => {
    const closed = await startRawUpstream(() => {});
    const { url } = closed;
    await closed.close();
    const ferry = await gatewayFor({}, { url });
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.status, 502);
    assert.equal(errorCode(answer.text), 'upstream_unreachable');
    assert.equal(answer.headers['x-ferry-attempts'], '3');
    assert.equal(answer.headers['x-should-retry'], 'false');
  });

  it('retries a connect timeout (a TLS server that accepts TCP and never answers the handshake)', async () => {
    // An honest connect timeout on loopback: TCP connects, the TLS handshake never completes,
    // and undici's connect timer (which covers the handshake) fires.
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const ferry = await gatewayFor(
        { retry: { ...fastRetry, attempts: 2 } },
        { url: `https://127.0.0.1:${port}/v1`, connectTimeoutMs: 100 },
      );
      const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
      assert.equal(answer.status, 504);
      assert.equal(errorCode(answer.text), 'upstream_connect_timeout');
      assert.equal(answer.headers['x-ferry-attempts'], '2');
      assert.equal(sockets.length, 2, 'one connection per attempt');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('does not retry a POST whose first byte timed out, unless configured', async () => {
    const ferry = await gatewayFor({}, { firstByteTimeoutMs: 100 });
    const answer = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini' },
      { 'x-mock-fault': 'stall-before-headers' },
    );
    assert.equal(answer.status, 504);
    assert.equal(errorCode(answer.text), 'upstream_timeout');
    assert.equal(answer.headers['x-ferry-attempts'], '1');
    assert.equal(mock.requests.length, 1);

    const retrying = await gatewayFor(
      { retry: { ...fastRetry, retryFirstByteTimeout: true } },
      { firstByteTimeoutMs: 100 },
    );
    const retried = await postChat(
      retrying.url,
      { model: 'gpt-4o-mini' },
      { 'x-mock-fault': 'stall-before-headers;times=1' },
    );
    assert.equal(retried.status, 200);
    assert.equal(retried.headers['x-ferry-attempts'], '2');
  });

  it('honours each Retry-After form on 429 and ignores garbage', async () => {
    const ferry = await gatewayFor();
    const forms = [
      ['retry-after-ms=40;times=1', 40],
      ['retry-after=1;times=1', 1000],
    ] as const;
    for (const [fault, waitMs] of forms) {
      const answer = await postChat(
        ferry.url,
        { model: 'gpt-4o-mini' },
        { 'x-mock-fault': `status=429;${fault}` },
      );
      assert.equal(answer.status, 200, fault);
      assert.equal(answer.headers['x-ferry-attempts'], '2', fault);
      assert.equal(answer.headers['x-ferry-retry-wait-ms'], String(waitMs), fault);
    }
    const date = new Date(Date.now() + 1000).toUTCString();
    const dated = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini' },
      { 'x-mock-fault': `status=429;retry-after=${date};times=1` },
    );
    assert.equal(dated.status, 200);
    assert.equal(dated.headers['x-ferry-attempts'], '2');
    assert.ok(Number(dated.headers['x-ferry-retry-wait-ms']) <= 1000);

    // Garbage: backoff (at most maxDelayMs) instead of the header.
    const garbage = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini' },
      { 'x-mock-fault': 'status=429;retry-after=soon;times=1' },
    );
    assert.equal(garbage.status, 200);
    assert.ok(Number(garbage.headers['x-ferry-retry-wait-ms']) <= fastRetry.maxDelayMs);
  });

  it('gives up at once when Retry-After exceeds the cap, passing an integer Retry-After on', async () => {
    const ferry = await gatewayFor();
    const date = new Date(Date.now() + 90_000).toUTCString();
    const answer = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini' },
      { 'x-mock-fault': `status=429;retry-after=${date}` },
    );
    assert.equal(answer.status, 429);
    assert.equal(answer.headers['x-ferry-attempts'], '1');
    assert.equal(answer.headers['x-should-retry'], 'false');
    assert.match(String(answer.headers['retry-after']), /^(89|90)$/);
    assert.equal(mock.requests.length, 1);
  });

  it('retries a reset before headers but not a reset after chunks were sent', async () => {
    const ferry = await gatewayFor();
    const before = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini', stream: true },
      { 'x-mock-fault': 'reset-before-headers;times=1' },
    );
    assert.equal(before.status, 200);
    assert.equal(before.headers['x-ferry-attempts'], '2');
    assert.match(before.text, /data: \[DONE\]/);

    mock.reset();
    const afterChunks = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini', stream: true },
      { 'x-mock-fault': 'reset-after=2' },
    );
    assert.equal(afterChunks.status, 200);
    assert.equal(afterChunks.headers['x-ferry-attempts'], '1');
    assert.equal(errorCode(afterChunks.text), 'upstream_stream_error');
    assert.equal(afterChunks.cut, true, 'the client connection is aborted, not ended cleanly');
    assert.doesNotMatch(afterChunks.text, /\[DONE\]/);
    assert.equal(mock.requests.length, 1);
  });

  it('ends a stream that stalls mid-way with an error event, without a retry', async () => {
    const ferry = await gatewayFor({}, { idleTimeoutMs: 100 });
    const answer = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini', stream: true },
      { 'x-mock-fault': 'stall-after=2' },
    );
    assert.equal(answer.status, 200);
    assert.equal(errorCode(answer.text), 'upstream_idle_timeout');
    assert.equal(answer.cut, true);
    assert.equal(mock.requests.length, 1);
  });

  it('keeps retries within the budget when every request fails at once', async () => {
    const total = 20;
    let held: Array<() => void> = [];
    let upstreamRequests = 0;
    const upstream = await startRawUpstream((request, response) => {
      upstreamRequests++;
      request.resume();
      const answer = () => {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{"error":{"message":"down","type":"server_error","param":null,"code":null}}');
      };
      // The first wave is held until all of it arrived, so the budget sees 20 active requests.
      if (held === undefined) return answer();
      held.push(answer);
      if (held.length === total) {
        const release = held;
        held = undefined as unknown as typeof held;
        for (const send of release) send();
      }
    });
    try {
      const logs = captureLogs();
      const ferry = await gatewayFor(
        {
          logger: logs.logger,
          retry: { ...fastRetry, baseDelayMs: 50, maxDelayMs: 50, budgetPercent: 10, budgetMinimum: 1 },
        },
        { url: upstream.url },
      );
      const answers = await Promise.all(
        Array.from({ length: total }, () => postChat(ferry.url, { model: 'gpt-4o-mini' })),
      );
      assert.ok(
        answers.every((answer) => answer.status === 503 && answer.headers['x-should-retry'] === 'false'),
      );
      const gaveUp = answers.filter((answer) => answer.headers['x-ferry-attempts'] === '1').length;
      assert.ok(gaveUp >= total / 2, `${gaveUp} requests stopped at the budget`);
      assert.ok(upstreamRequests < total * 3 - total / 2, `${upstreamRequests} upstream requests`);
      const stopped = logs.entries().filter((entry) => entry.retryStop === 'budget');
      assert.ok(stopped.length >= gaveUp, 'each request the budget stopped says so in its log line');
    } finally {
      await upstream.close();
    }
  });

  it('logs attempts and wait time', async () => {
    const logs = captureLogs();
    const ferry = await gatewayFor({ logger: logs.logger });
    await postChat(
      ferry.url,
      { model: 'gpt-4o-mini' },
      { 'x-mock-fault': 'status=502;retry-after-ms=10;times=1', 'x-request-id': 'retry-log' },
    );
    const entry = await logs.waitFor((line) => line.requestId === 'retry-log');
    assert.equal(entry.attempts, 2);
    assert.equal(entry.retryWaitMs, 10);
  });

  it("the openai client's own retries do not multiply Ferry's (x-should-retry: false)", async () => {
    const ferry = await gatewayFor();
    const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 2 });
    await assert.rejects(
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        {
          headers: { 'x-mock-fault': 'status=503' },
        },
      ),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 503,
    );
    assert.equal(mock.requests.length, 3, 'Ferry made its 3 attempts; the SDK added none');
  });
});
