import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventSocket } from './helpers/index.js';
import { type MockUpstream, startMockUpstream } from './index.js';
import { parseEvents, postJson } from './testing/http-client.js';

interface CompletedResponse {
  id: string;
  model: string;
  output: unknown[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
}

const content = 'Socket turns, same events.';

describe('mock Responses WebSocket mode', () => {
  let mock: MockUpstream;
  let url: string;
  before(async () => {
    mock = await startMockUpstream({ content, chunks: 4 });
    url = `${mock.origin.replace('http', 'ws')}/v1/responses`;
  });
  after(() => mock.close());

  it('answers response.create with the same events as the SSE stream', async () => {
    const body = { model: 'gpt-4o', input: 'Say something' };
    const sse = await postJson(`${mock.url}/responses`, { ...body, stream: true });
    const sseTypes = parseEvents(sse.text).map((event) => event.event);
    const socket = await openEventSocket(url);
    socket.send({ type: 'response.create', ...body });
    const completed = await socket.next('response.completed');
    const types = (socket.events as Record<string, unknown>[]).map((event) => event.type);
    assert.deepEqual(types, sseTypes);
    const deltas = (socket.events as Record<string, unknown>[])
      .filter((event) => event.type === 'response.output_text.delta')
      .map((event) => event.delta)
      .join('');
    assert.equal(deltas, content);
    const response = completed.response as CompletedResponse;
    assert.equal(response.model, 'gpt-4o');
    assert.deepEqual(response.usage, { input_tokens: 4, output_tokens: 4, total_tokens: 8 });
    // A second turn chains from the first on the same socket.
    socket.send({
      type: 'response.create',
      model: 'gpt-4o',
      input: 'More',
      previous_response_id: response.id,
    });
    const second = (await socket.next('response.completed')).response as Record<string, unknown>;
    assert.notEqual(second.id, response.id);
    socket.close();
  });

  it('acks a generate:false warm-up with a response id and no output', async () => {
    const socket = await openEventSocket(url);
    socket.send({ type: 'response.create', model: 'gpt-4o', generate: false, instructions: 'Warm up' });
    const completed = (await socket.next('response.completed')).response as CompletedResponse;
    assert.deepEqual(completed.output, []);
    assert.equal(completed.usage.total_tokens, 0);
    socket.send({
      type: 'response.create',
      model: 'gpt-4o',
      input: 'Go',
      previous_response_id: completed.id,
    });
    assert.equal(
      ((await socket.next('response.completed')).response as Record<string, unknown>).status,
      'completed',
    );
    socket.close();
  });

  it('allows one response in flight per socket', async () => {
    const socket = await openEventSocket(url, { headers: { 'x-mock-chunk-interval-ms': '20' } });
    socket.send({ type: 'response.create', model: 'gpt-4o', input: 'One' });
    await socket.next('response.created');
    socket.send({ type: 'response.create', model: 'gpt-4o', input: 'Two' });
    const error = await socket.next('error');
    assert.equal(error.status, 400);
    assert.equal((error.error as Record<string, unknown>).code, 'response_already_in_flight');
    await socket.next('response.completed');
    socket.send({ type: 'response.create', model: 'gpt-4o', input: 'Three' });
    await socket.next('response.completed');
    socket.close();
  });

  it('answers bad frames with error events', async () => {
    const socket = await openEventSocket(url);
    socket.send({ type: 'response.create', input: 'no model' });
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).param, 'model');
    socket.send({ type: 'response.create', model: 'gpt-4o' });
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).param, 'input');
    socket.send({
      type: 'response.create',
      model: 'gpt-4o',
      input: 'x',
      previous_response_id: 'resp_elsewhere',
    });
    assert.equal(
      ((await socket.next('error')).error as Record<string, unknown>).code,
      'previous_response_not_found',
    );
    socket.send({ type: 'session.update' });
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).param, 'type');
    socket.ws.send('][');
    assert.equal(((await socket.next('error')).error as Record<string, unknown>).code, 'invalid_json');
    socket.close();
  });

  it('ends a connection at its time cap with websocket_connection_limit_reached', async () => {
    const capped = await startMockUpstream({ webSocketLimitMs: 50 });
    try {
      const socket = await openEventSocket(`${capped.origin.replace('http', 'ws')}/v1/responses`);
      const error = await socket.next('error');
      assert.equal((error.error as Record<string, unknown>).code, 'websocket_connection_limit_reached');
      assert.equal((await socket.closed).code, 1000);
      const realtime = await openEventSocket(
        `${capped.origin.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`,
      );
      assert.equal(((await realtime.next('error')).error as Record<string, unknown>).code, 'session_expired');
      assert.equal((await realtime.closed).code, 1000);
    } finally {
      await capped.close();
    }
  });
});
