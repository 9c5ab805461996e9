import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventSocket, UpgradeRefusedError } from '@ferry/mock-upstream/helpers';
import { type GatewayWithMock, startGatewayWithMock } from '../testing/gateway-server.js';

const upstreamKey = 'sk-upstream-realtime';
const clientKey = 'sk-client-realtime';

describe('Realtime proxy at GET /v1/realtime', () => {
  let ferry: GatewayWithMock;
  let wsUrl: string;
  before(async () => {
    ferry = await startGatewayWithMock(
      { upstream: { apiKey: upstreamKey }, clientKeys: [clientKey] },
      { apiKey: upstreamKey },
    );
    wsUrl = `${ferry.url.replace('http', 'ws')}/realtime?model=gpt-realtime`;
  });
  after(() => ferry.close());

  it('relays a text response both ways with the upstream key, never the client key', async () => {
    const socket = await openEventSocket(wsUrl, { headers: { authorization: `Bearer ${clientKey}` } });
    const created = await socket.next('session.created');
    assert.equal((created.session as { model: string }).model, 'gpt-realtime');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await socket.next('response.done');
    assert.equal((done.response as { status: string }).status, 'completed');
    const upstream = await ferry.mock.nextSocket();
    assert.equal(upstream.headers.authorization, `Bearer ${upstreamKey}`);
    assert.equal(upstream.path, '/v1/realtime?model=gpt-realtime');
    socket.close();
    await socket.closed;
  });

  it('refuses a missing key before the 101 with 401 and an OpenAI-shaped body', async () => {
    const refused = await openEventSocket(wsUrl).catch((error: unknown) => error);
    assert.ok(refused instanceof UpgradeRefusedError);
    assert.equal(refused.status, 401);
    const body = JSON.parse(refused.body) as { error: { code: string; type: string } };
    assert.equal(body.error.type, 'authentication_error');
  });
});
