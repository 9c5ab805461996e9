import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EventSocket, openEventSocket, UpgradeRefusedError } from '@ferry/mock-upstream/helpers';
import WebSocket from 'ws';
import type { GatewayEventMap } from '../events/gateway-events.js';
import { type GatewayWithMock, startGatewayWithMock } from '../testing/gateway-server.js';

const upstreamKey = 'sk-upstream-realtime';
const clientKey = 'sk-client-realtime';
const narrowKey = 'sk-client-only-gpt-realtime';

type End = GatewayEventMap['request:end'];

describe('Realtime proxy at GET /v1/realtime', () => {
  let ferry: GatewayWithMock;
  let base: string;
  const ends: End[] = [];
  before(async () => {
    ferry = await startGatewayWithMock(
      {
        upstream: { apiKey: upstreamKey },
        clients: [
          { id: 'wide', keys: [clientKey] },
          { id: 'narrow', keys: [narrowKey], allowedModels: ['gpt-realtime'] },
        ],
        websocket: { highWaterMarkBytes: 256 * 1024 },
      },
      { apiKey: upstreamKey },
    );
    ferry.gateway.events.on('request:end', (end) => {
      ends.push(end);
    });
    base = `${ferry.url.replace('http', 'ws')}/realtime`;
  });
  after(() => ferry.close());

  const auth = (key = clientKey, extra: Record<string, string> = {}) => ({
    headers: { authorization: `Bearer ${key}`, ...extra },
  });
  const open = (options = auth(), model = 'gpt-realtime') =>
    openEventSocket(`${base}?model=${model}`, options);
  /** The request:end of the next session that settles. */
  const nextEnd = async (from: number): Promise<End> => {
    for (let attempt = 0; attempt < 400; attempt++) {
      const end = ends[from];
      if (end !== undefined) return end;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail('the session never settled');
  };
  const closeAndSettle = async (socket: EventSocket) => {
    const from = ends.length;
    socket.close();
    await socket.closed;
    return nextEnd(from);
  };

  it('relays a text response both ways with the upstream key, never the client key', async () => {
    const socket = await open();
    const created = await socket.next('session.created');
    assert.equal((created.session as { model: string }).model, 'gpt-realtime');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await socket.next('response.done');
    assert.equal((done.response as { status: string }).status, 'completed');
    const upstream = await ferry.mock.nextSocket();
    assert.equal(upstream.headers.authorization, `Bearer ${upstreamKey}`);
    assert.equal(upstream.headers['openai-beta'], undefined, 'no beta header was added');
    assert.equal(upstream.path, '/v1/realtime?model=gpt-realtime');
    await closeAndSettle(socket);
  });

  describe('auth refused before 101', () => {
    it('answers a missing key with 401 and an OpenAI-shaped body, not a 101', async () => {
      const refused = await openEventSocket(`${base}?model=gpt-realtime`).catch((error: unknown) => error);
      assert.ok(refused instanceof UpgradeRefusedError);
      assert.equal(refused.status, 401);
      const body = JSON.parse(refused.body) as { error: Record<string, unknown> };
      assert.equal(body.error.type, 'authentication_error');
      assert.equal(typeof body.error.message, 'string');
      assert.equal(refused.headers['x-should-retry'], 'false');
    });

    it('answers a wrong subprotocol key with 401 and never shows the key', async () => {
      const refused = await openEventSocket(`${base}?model=gpt-realtime`, {
        protocols: ['realtime', 'openai-insecure-api-key.sk-wrong-key-1234'],
      }).catch((error: unknown) => error);
      assert.ok(refused instanceof UpgradeRefusedError);
      assert.equal(refused.status, 401);
      assert.doesNotMatch(refused.body, /sk-wrong-key-1234/);
    });

    it('answers a model the key may not use with 403 before the 101', async () => {
      const refused = await open(auth(narrowKey), 'gpt-realtime-large').catch((error: unknown) => error);
      assert.ok(refused instanceof UpgradeRefusedError);
      assert.equal(refused.status, 403);
      assert.equal((JSON.parse(refused.body) as { error: { code: string } }).error.code, 'model_not_allowed');
    });

    it("passes the upstream's own refusal status on before any 101", async () => {
      const refused = await open(auth(clientKey, { 'x-mock-fault': 'status=503' })).catch(
        (error: unknown) => error,
      );
      assert.ok(refused instanceof UpgradeRefusedError);
      assert.equal(refused.status, 503);
    });
  });

  it('takes the key from the subprotocol, echoes realtime, and strips the key before forwarding', async () => {
    const socket = await openEventSocket(`${base}?model=gpt-realtime`, {
      protocols: ['realtime', `openai-insecure-api-key.${clientKey}`],
    });
    assert.equal(socket.protocol, 'realtime');
    await socket.next('session.created');
    const upstream = await ferry.mock.nextSocket();
    assert.deepEqual(upstream.protocols, ['realtime']);
    assert.equal(upstream.headers.authorization, `Bearer ${upstreamKey}`);
    assert.doesNotMatch(JSON.stringify(upstream.headers), new RegExp(clientKey));
    await closeAndSettle(socket);
  });

  it('passes OpenAI-Beta on only when the client sent it (and relays the upstream refusal)', async () => {
    const socket = await open(auth(clientKey, { 'openai-beta': 'realtime=v1' }));
    const error = await socket.next('error');
    assert.equal((error.error as { code: string }).code, 'beta_api_shape_disabled');
    const closed = await socket.closed;
    assert.equal(closed.code, 4000);
    const upstream = await ferry.mock.nextSocket();
    assert.equal(upstream.headers['openai-beta'], 'realtime=v1');
  });

  it('relays 3.4 MB frames both ways', async () => {
    const size = 3_400_000;
    const socket = await open(auth(clientKey, { 'x-mock-fault': `oversize=${size}` }));
    await socket.next('session.created');
    const audio = Buffer.alloc(Math.floor((size * 3) / 4), 1).toString('base64');
    socket.send({ type: 'input_audio_buffer.append', audio });
    socket.send({ type: 'response.create', response: { output_modalities: ['audio'] } });
    await socket.next('response.done', 20_000);
    const big = socket.events.find(
      (event) => typeof event === 'object' && JSON.stringify(event).length >= size - 10,
    );
    assert.ok(big !== undefined, 'the oversized upstream frame reached the client');
    const upstream = await ferry.mock.nextSocket();
    const appended = upstream.received[0] as { type: string; audio: string };
    assert.equal(appended.type, 'input_audio_buffer.append');
    assert.equal(appended.audio.length, audio.length);
    await closeAndSettle(socket);
  });

  describe('upstream close relayed both ways', () => {
    it("relays the upstream's close code and reason to the client", async () => {
      const socket = await open(auth(clientKey, { 'x-mock-fault': 'close-code=4321' }));
      const closed = await socket.closed;
      assert.equal(closed.code, 4321);
      assert.equal(closed.reason, 'mock fault');
      assert.equal((await (await ferry.mock.nextSocket()).closed).code, 4321);
    });

    it("relays the client's close code and reason to the upstream", async () => {
      const from = ends.length;
      const socket = await open();
      await socket.next('session.created');
      const upstream = await ferry.mock.nextSocket();
      socket.close(4100, 'client done');
      const seen = await upstream.closed;
      assert.equal(seen.code, 4100);
      assert.equal(seen.reason, 'client done');
      await nextEnd(from);
    });
  });

  describe('each unsendable close code', () => {
    it('1005 (a close without a code) from the client reaches the upstream as 1000', async () => {
      const socket = await open();
      await socket.next('session.created');
      const upstream = await ferry.mock.nextSocket();
      socket.ws.close();
      assert.equal((await upstream.closed).code, 1000);
    });

    it('1005 (a close without a code) from the upstream reaches the client as 1000', async () => {
      const socket = await open(auth(clientKey, { 'x-mock-fault': 'close-code=1005' }));
      assert.equal((await socket.closed).code, 1000);
      assert.equal((await (await ferry.mock.nextSocket()).closed).code, 1005);
    });

    it('1006 (the upstream connection cut mid-response) reaches the client as 1011', async () => {
      const socket = await open(auth(clientKey, { 'x-mock-fault': 'reset-after=3' }));
      await socket.next('session.created');
      socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
      const closed = await socket.closed;
      assert.equal(closed.code, 1011);
      assert.equal((await (await ferry.mock.nextSocket()).closed).code, 1006);
    });

    it('1006 (the client connection cut) reaches the upstream as 1011', async () => {
      const socket = await open();
      await socket.next('session.created');
      const upstream = await ferry.mock.nextSocket();
      socket.ws.terminate();
      assert.equal((await upstream.closed).code, 1011);
    });
  });

  it('frames before open: what either side sends at once is neither lost nor reordered', async () => {
    const ws = new WebSocket(`${base}?model=gpt-realtime`, {
      headers: { authorization: `Bearer ${clientKey}` },
    });
    const received: string[] = [];
    ws.on('message', (data) => received.push(JSON.parse(data.toString()).type as string));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        for (let index = 0; index < 3; index++)
          ws.send(JSON.stringify({ type: 'conversation.item.create', item: itemOf(`hello ${index}`) }));
        resolve();
      });
      ws.once('error', reject);
    });
    const upstream = await ferry.mock.nextSocket();
    for (let attempt = 0; attempt < 200 && upstream.received.length < 3; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(
      upstream.received.map(
        (event) => (event as { item: { content: Array<{ text: string }> } }).item.content[0]?.text,
      ),
      ['hello 0', 'hello 1', 'hello 2'],
    );
    assert.equal(received[0], 'session.created', 'the event the upstream sent before the 101 arrived first');
    ws.close();
  });

  it('model switching mid-session refused: session.update and response.create naming another model', async () => {
    const socket = await open(auth(narrowKey));
    await socket.next('session.created');
    socket.send({
      type: 'session.update',
      event_id: 'evt_1',
      session: { type: 'realtime', model: 'gpt-realtime-large' },
    });
    const refusal = await socket.next('error');
    assert.deepEqual(
      {
        code: (refusal.error as { code: string }).code,
        eventId: (refusal.error as { event_id: string }).event_id,
      },
      { code: 'model_not_allowed', eventId: 'evt_1' },
    );
    socket.send({ type: 'response.create', event_id: 'evt_2', response: { model: 'o3-realtime' } });
    assert.equal(((await socket.next('error')).error as { code: string }).code, 'model_not_allowed');
    socket.send({ type: 'session.update', session: { type: 'realtime', instructions: 'be brief' } });
    await socket.next('session.updated');
    const upstream = await ferry.mock.nextSocket();
    assert.deepEqual(
      upstream.received.map((event) => (event as { type: string }).type),
      ['session.update'],
      'only the allowed update reached the upstream',
    );
    const end = await closeAndSettle(socket);
    assert.equal(end.context.record.websocket?.refusedFrames, 2);
  });

  it('usage summed exactly once: every response.done counted, none twice, into the log record and limits', async () => {
    const socket = await open();
    await socket.next('session.created');
    let expected = { input: 0, output: 0 };
    for (let turn = 0; turn < 3; turn++) {
      socket.send({
        type: 'conversation.item.create',
        item: itemOf(`question number ${turn} with some words`),
      });
      socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
      const done = await socket.next('response.done');
      const usage = (done.response as { usage: { input_tokens: number; output_tokens: number } }).usage;
      assert.ok(usage.input_tokens > 0 && usage.output_tokens > 0);
      expected = {
        input: expected.input + usage.input_tokens,
        output: expected.output + usage.output_tokens,
      };
    }
    const end = await closeAndSettle(socket);
    assert.deepEqual(end.usage, {
      promptTokens: expected.input,
      completionTokens: expected.output,
      totalTokens: expected.input + expected.output,
      cachedPromptTokens: end.usage?.cachedPromptTokens,
      source: 'upstream',
    });
    assert.equal(end.context.record.websocket?.responses, 3);
    assert.equal(end.status, 101);
    assert.equal(end.error, undefined);
  });

  it('client disconnect closes the upstream at once, and the cut response is estimated', async () => {
    const socket = await open(auth(clientKey, { 'x-mock-chunk-interval-ms': '50', 'x-mock-chunks': '40' }));
    await socket.next('session.created');
    const upstream = await ferry.mock.nextSocket();
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    await socket.next('response.output_text.delta');
    const from = ends.length;
    const cutAt = performance.now();
    socket.ws.terminate();
    await upstream.closed;
    const elapsed = performance.now() - cutAt;
    assert.ok(elapsed < 1_500, `the upstream closed ${Math.round(elapsed)} ms after the client left`);
    const end = await nextEnd(from);
    assert.equal(end.usage?.source, 'estimate');
    assert.ok((end.usage?.completionTokens ?? 0) > 0, 'the streamed part is charged');
    assert.equal(end.error?.code, 'client_closed_request');
  });

  it('backpressure with a slow client: Ferry stops reading the upstream instead of queueing', async () => {
    // About 38 MB of audio deltas (12.8 kB each); the client reads nothing for a while.
    const socket = await open(
      auth(clientKey, { 'x-mock-chunks': '3000', 'x-mock-content': encodeURIComponent('ab '.repeat(3000)) }),
    );
    await socket.next('session.created');
    const raw = (socket.ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    socket.send({ type: 'response.create', response: { output_modalities: ['audio'] } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    raw.resume();
    await socket.next('response.done', 30_000);
    const end = await closeAndSettle(socket);
    const facts = end.context.record.websocket;
    assert.ok(facts !== undefined);
    assert.ok(facts.upstreamPauses > 0, 'reading the upstream was paused');
    // The high-water mark (256 KiB) plus at most one frame: nowhere near the 38 MB streamed.
    assert.ok(facts.maxQueuedToClient < 256 * 1024 + 64 * 1024, `queued ${facts.maxQueuedToClient} bytes`);
  });
});

const itemOf = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
