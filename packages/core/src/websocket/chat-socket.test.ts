import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventSocket, UpgradeRefusedError } from '@ferry/mock-upstream/helpers';
import type { GatewayEventMap } from '../events/gateway-events.js';
import { type GatewayWithMock, startGatewayWithMock } from '../testing/gateway-server.js';

const clientKey = 'sk-client-chat-socket';
const body = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

describe('Chat Completions over WebSocket at GET /v1/chat/completions', () => {
  let ferry: GatewayWithMock;
  let url: string;
  const ends: GatewayEventMap['request:end'][] = [];
  before(async () => {
    ferry = await startGatewayWithMock({ clientKeys: [clientKey], websocket: { maxInFlight: 2 } });
    ferry.gateway.events.on('request:end', (end) => {
      ends.push(end);
    });
    url = `${ferry.url.replace('http', 'ws')}/chat/completions`;
  });
  after(() => ferry.close());
  const open = (headers: Record<string, string> = {}) =>
    openEventSocket(url, { headers: { authorization: `Bearer ${clientKey}`, ...headers } });
  const byId = (events: unknown[], id: string, type: string) =>
    events.filter(
      (event) =>
        (event as { id?: string; type?: string }).id === id && (event as { type: string }).type === type,
    );

  it('answers two requests in flight on one socket with their own chunks, then done with usage', async () => {
    const socket = await open({
      'x-mock-content': encodeURIComponent('one two three four'),
      'x-mock-chunks': '4',
    });
    socket.send({ type: 'request', id: 'a', body: body('first') });
    socket.send({ type: 'request', id: 'b', body: body('second') });
    const doneA = await socket.next((event) => event.type === 'done' && event.id === 'a');
    const doneB = await socket.next((event) => event.type === 'done' && event.id === 'b');
    for (const id of ['a', 'b']) {
      const text = byId(socket.events, id, 'chunk')
        .map(
          (event) =>
            (event as { data: { choices: Array<{ delta?: { content?: string } }> } }).data.choices[0]?.delta
              ?.content ?? '',
        )
        .join('');
      assert.equal(text, 'one two three four');
      const first = byId(socket.events, id, 'chunk')[0] as { data: { object: string } };
      assert.equal(first.data.object, 'chat.completion.chunk');
    }
    for (const done of [doneA, doneB]) {
      const usage = done.usage as { prompt_tokens: number; completion_tokens: number };
      assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    }
    // Each request went through the ordinary pipeline: its own log line on the chat route.
    assert.equal(ends.filter((end) => end.context.route.name === 'chat.completions').length >= 2, true);
    socket.close();
    await socket.closed;
  });

  it('cancels a request by id and answers cancelled, not done', async () => {
    const socket = await open({ 'x-mock-chunk-interval-ms': '100', 'x-mock-chunks': '30' });
    socket.send({ type: 'request', id: 'slow', body: body('take your time') });
    await socket.next((event) => event.type === 'chunk' && event.id === 'slow');
    socket.send({ type: 'cancel', id: 'slow' });
    await socket.next((event) => event.type === 'cancelled' && event.id === 'slow');
    assert.equal(byId(socket.events, 'slow', 'done').length, 0);
    socket.close();
    await socket.closed;
  });

  it('answers bad frames and a third request in flight with error frames, the socket stays open', async () => {
    const socket = await open({ 'x-mock-chunk-interval-ms': '50', 'x-mock-chunks': '10' });
    socket.ws.send('{not json');
    const invalid = await socket.next('error');
    assert.equal((invalid.error as { code: string }).code, 'invalid_json');
    socket.send({ type: 'request', id: 'x', body: 'nope' });
    assert.equal(((await socket.next('error')).error as { code: string }).code, 'invalid_body');
    socket.send({ type: 'request', id: '1', body: body('a') });
    socket.send({ type: 'request', id: '2', body: body('b') });
    socket.send({ type: 'request', id: '3', body: body('c') });
    const busy = await socket.next((event) => event.type === 'error' && event.id === '3');
    assert.deepEqual([busy.status, (busy.error as { code: string }).code], [429, 'websocket_busy']);
    await socket.next((event) => event.type === 'done' && event.id === '2');
    socket.close();
    await socket.closed;
  });

  it('passes a request refused by the pipeline back as an error frame with its status', async () => {
    const socket = await open();
    socket.send({
      type: 'request',
      id: 'bad',
      body: { model: 'gpt-4o-mini', messages: 'not a list', max_tokens: -5 },
    });
    const refused = await socket.next('error');
    assert.equal(refused.id, 'bad');
    assert.equal(refused.status, 400);
    socket.close();
    await socket.closed;
  });

  it('refuses the upgrade itself without a key, before the 101', async () => {
    const refused = await openEventSocket(url).catch((error: unknown) => error);
    assert.ok(refused instanceof UpgradeRefusedError);
    assert.equal(refused.status, 401);
  });
});
