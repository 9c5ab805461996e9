import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventSocket } from '@ferry/mock-upstream/helpers';
import type { GatewayEventMap } from '../events/gateway-events.js';
import { type GatewayWithMock, startGatewayWithMock } from '../testing/gateway-server.js';

const upstreamKey = 'sk-upstream-responses-ws';
const narrowKey = 'sk-client-responses-ws';

describe('the Responses WebSocket mode at GET /v1/responses, passed through', () => {
  let ferry: GatewayWithMock;
  const ends: GatewayEventMap['request:end'][] = [];
  before(async () => {
    ferry = await startGatewayWithMock(
      {
        upstream: { apiKey: upstreamKey },
        clients: [{ id: 'narrow', keys: [narrowKey], allowedModels: ['gpt-4o-mini'] }],
      },
      { apiKey: upstreamKey },
    );
    ferry.gateway.events.on('request:end', (end) => {
      ends.push(end);
    });
  });
  after(() => ferry.close());

  it('relays turns, authorises the model of each response.create, and sums usage from response.completed', async () => {
    const socket = await openEventSocket(`${ferry.url.replace('http', 'ws')}/responses`, {
      headers: { authorization: `Bearer ${narrowKey}` },
    });
    socket.send({ type: 'response.create', model: 'gpt-4o', input: 'hi' });
    const refused = await socket.next('error');
    assert.equal((refused.error as { code: string }).code, 'model_not_allowed');
    socket.send({ type: 'response.create', model: 'gpt-4o-mini', input: 'hello there' });
    const first = await socket.next('response.completed');
    socket.send({ type: 'response.create', model: 'gpt-4o-mini', input: 'and again' });
    const second = await socket.next('response.completed');
    const usage = (event: Record<string, unknown>) =>
      (event.response as { usage: { input_tokens: number; output_tokens: number } }).usage;
    const upstream = await ferry.mock.nextSocket();
    assert.equal(upstream.path, '/v1/responses');
    assert.equal(upstream.headers.authorization, `Bearer ${upstreamKey}`);
    assert.deepEqual(
      upstream.received.map((event) => (event as { model: string }).model),
      ['gpt-4o-mini', 'gpt-4o-mini'],
    );
    const from = ends.length;
    socket.close();
    await socket.closed;
    for (let attempt = 0; attempt < 200 && ends[from] === undefined; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const end = ends[from];
    assert.equal(end?.context.route.name, 'responses.websocket');
    assert.equal(end?.usage?.promptTokens, usage(first).input_tokens + usage(second).input_tokens);
    assert.equal(end?.usage?.completionTokens, usage(first).output_tokens + usage(second).output_tokens);
  });
});

describe('the Responses WebSocket mode under the content filter', () => {
  it('masks text deltas and the completed response', async () => {
    const ferry = await startGatewayWithMock({ contentFilter: { words: ['forbidden'], response: 'mask' } });
    try {
      const socket = await openEventSocket(`${ferry.url.replace('http', 'ws')}/responses`, {
        headers: { 'x-mock-content': encodeURIComponent('a forbidden word'), 'x-mock-chunks': '5' },
      });
      socket.send({ type: 'response.create', model: 'gpt-4o-mini', input: 'hi' });
      const completed = await socket.next('response.completed');
      const deltas = socket.events
        .filter((event) => (event as { type: string }).type === 'response.output_text.delta')
        .map((event) => (event as { delta: string }).delta)
        .join('');
      assert.equal(deltas, 'a ********* word');
      assert.doesNotMatch(JSON.stringify(completed), /forbidden/);
      socket.close();
      await socket.closed;
    } finally {
      await ferry.close();
    }
  });
});
