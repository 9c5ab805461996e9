import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { openEventSocket, UpgradeRefusedError } from './helpers/index.js';
import { type MockUpstream, startMockUpstream } from './index.js';

describe('mock WebSocket faults', () => {
  let mock: MockUpstream;
  let realtime: string;
  let responses: string;
  before(async () => {
    mock = await startMockUpstream({ chunks: 5 });
    realtime = `${mock.origin.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`;
    responses = `${mock.origin.replace('http', 'ws')}/v1/responses`;
  });
  after(() => mock.close());

  const refusal = (url: string, headers: Record<string, string>) =>
    openEventSocket(url, { headers }).then(
      () => assert.fail('the upgrade was accepted'),
      (error: unknown) => error as UpgradeRefusedError,
    );

  it('refuses the upgrade with an injected status, body and retry-after, times=n counting connections', async () => {
    const headers = { 'x-mock-fault': 'status=429;retry-after=3;times=1' };
    const refused = await refusal(realtime, headers);
    assert.ok(refused instanceof UpgradeRefusedError);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '3');
    assert.equal(JSON.parse(refused.body).error.code, 'rate_limit_exceeded');
    const second = await openEventSocket(realtime, { headers });
    await second.next('session.created');
    second.close();
  });

  it('takes the fault from a mock-fault: model in the Realtime URL', async () => {
    const refused = await refusal(
      `${mock.origin.replace('http', 'ws')}/v1/realtime?model=mock-fault:status=503`,
      {},
    );
    assert.equal(refused.status, 503);
    assert.equal(JSON.parse(refused.body).error.type, 'server_error');
  });

  it('rejects bad specs and HTTP-only items with a 400', async () => {
    const typo = await refusal(realtime, { 'x-mock-fault': 'close-code=1015' });
    assert.equal(typo.status, 400);
    assert.match(JSON.parse(typo.body).error.message, /close-code must be a code a WebSocket can send/);
    const httpOnly = await refusal(responses, { 'x-mock-fault': 'trickle=5' });
    assert.equal(JSON.parse(httpOnly.body).error.code, 'invalid_mock_fault');
  });

  it('resets the TCP connection before the 101', async () => {
    const error = await openEventSocket(realtime, {
      headers: { 'x-mock-fault': 'reset-before-headers' },
    }).then(
      () => assert.fail('opened'),
      (caught: unknown) => caught as NodeJS.ErrnoException,
    );
    assert.match(String(error.code ?? error.message), /ECONNRESET|socket hang up/);
  });

  it('stalls the upgrade until the client gives up', async () => {
    const ws = new WebSocket(realtime, {
      headers: { 'x-mock-fault': 'stall-before-headers' },
      handshakeTimeout: 200,
    });
    const error = await new Promise<Error>((resolve) => ws.once('error', resolve));
    assert.match(error.message, /Opening handshake has timed out/);
  });

  it('cuts the TCP connection after n events of a response (the client sees 1006)', async () => {
    const socket = await openEventSocket(realtime, { headers: { 'x-mock-fault': 'reset-after=3' } });
    await socket.next('session.created');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    assert.equal((await socket.closed).code, 1006);
    const responseEvents = (socket.events as Record<string, unknown>[]).filter(
      (event) => event.type !== 'session.created',
    );
    assert.equal(responseEvents.length, 3);
  });

  it('closes mid-response with a given code, per response through metadata', async () => {
    const socket = await openEventSocket(realtime);
    await socket.next('session.created');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    await socket.next('response.done');
    socket.send({
      type: 'response.create',
      response: {
        output_modalities: ['text'],
        metadata: { 'x-mock-fault': 'reset-after=4;close-code=1011' },
      },
    });
    const closed = await socket.closed;
    assert.equal(closed.code, 1011);
    assert.equal(closed.reason, 'mock fault');
    assert.equal(
      (socket.events as Record<string, unknown>[]).filter((event) => event.type === 'response.done').length,
      1,
    );
  });

  it('closes right after the session opened with close-code alone', async () => {
    const socket = await openEventSocket(responses, { headers: { 'x-mock-fault': 'close-code=4001' } });
    assert.equal((await socket.closed).code, 4001);
  });

  it('sends a close frame without a code for close-code=1005, so the peer sees 1005', async () => {
    const socket = await openEventSocket(realtime, {
      headers: { 'x-mock-fault': 'reset-after=1;close-code=1005' },
    });
    await socket.next('session.created');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const closed = await socket.closed;
    assert.deepEqual(closed, { code: 1005, reason: '' });
    assert.equal((socket.events as Record<string, unknown>[]).at(-1)?.type, 'response.created');
  });

  it('stalls a response after n events, keeping the socket open', async () => {
    const socket = await openEventSocket(responses, { headers: { 'x-mock-fault': 'stall-after=2' } });
    socket.send({ type: 'response.create', model: 'gpt-4o', input: 'Hi' });
    await socket.next('response.output_item.added');
    await assert.rejects(socket.next('response.content_part.added', 150), /no event matching/);
    // Still one response in flight: the stalled one.
    socket.send({ type: 'response.create', model: 'gpt-4o', input: 'Again' });
    assert.equal(
      ((await socket.next('error')).error as Record<string, unknown>).code,
      'response_already_in_flight',
    );
    assert.equal(socket.ws.readyState, WebSocket.OPEN);
    socket.close();
  });

  it('sends one oversized frame of exactly the asked size (a 3.4 MB audio delta)', async () => {
    const socket = await openEventSocket(realtime, { headers: { 'x-mock-fault': 'oversize=3400000' } });
    await socket.next('session.created');
    let largest = 0;
    socket.ws.on('message', (data: Buffer) => {
      largest = Math.max(largest, data.length);
    });
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await socket.next('response.done');
    assert.equal(largest, 3_400_000);
    const big = (socket.events as Record<string, unknown>[]).find(
      (event) => event.type === 'response.output_audio.delta',
    );
    assert.ok(big);
    assert.equal((done.response as Record<string, unknown>).status, 'completed');
    socket.close();
    // A client with a 1 MiB limit, as some gateways had, fails the session: it sends 1009
    // (message too big) and stops reading, so it never sees the answer to its close frame.
    const small = await openEventSocket(realtime, {
      headers: { 'x-mock-fault': 'oversize=3400000' },
      maxPayload: 1 << 20,
    });
    await small.next('session.created');
    const recorded = mock.sockets.at(-1)!;
    small.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    assert.equal((await recorded.closed).code, 1009);
    assert.equal((await small.closed).code, 1006);
  });

  it('pads a Responses WebSocket frame the same way', async () => {
    const socket = await openEventSocket(responses);
    let largest = 0;
    socket.ws.on('message', (data: Buffer) => {
      largest = Math.max(largest, data.length);
    });
    socket.send({
      type: 'response.create',
      model: 'gpt-4o',
      input: 'Hi',
      metadata: { 'x-mock-fault': 'oversize=2000000' },
    });
    await socket.next('response.completed');
    assert.equal(largest, 2_000_000);
    const sequence = (socket.events as Record<string, unknown>[]).map((event) => event.sequence_number);
    assert.deepEqual(
      sequence,
      sequence.map((_, index) => index),
    );
    socket.close();
  });

  it('inserts a frame that is not JSON', async () => {
    const socket = await openEventSocket(responses, { headers: { 'x-mock-fault': 'malformed-after=1' } });
    socket.send({ type: 'response.create', model: 'gpt-4o', input: 'Hi' });
    await socket.next('response.completed');
    assert.equal(socket.events[1], '{not json');
    socket.close();
  });

  it('takes a per-turn fault from a mock-fault: model in a Responses frame', async () => {
    const socket = await openEventSocket(responses);
    socket.send({ type: 'response.create', model: 'mock-fault:reset-after=1;close-code=1013', input: 'Hi' });
    assert.equal((await socket.closed).code, 1013);
    assert.equal(socket.events.length, 1);
  });

  it('close() ends open sockets and stalled upgrades', async () => {
    const own = await startMockUpstream();
    const url = `${own.origin.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`;
    const open = await openEventSocket(url);
    const stalled = new WebSocket(url, { headers: { 'x-mock-fault': 'stall-before-headers' } });
    const stalledError = new Promise<Error>((resolve) => stalled.once('error', resolve));
    await own.nextSocket();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await own.close();
    assert.equal((await open.closed).code, 1006);
    assert.match((await stalledError).message, /socket hang up|ECONNRESET/);
  });
});
