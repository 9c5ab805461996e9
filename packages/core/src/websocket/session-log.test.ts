import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEventSocket, UpgradeRefusedError } from '@ferry/mock-upstream/helpers';
import { type GatewayWithMock, startGatewayWithMock } from '../testing/gateway-server.js';
import { captureLogs } from '../testing/log-capture.js';

const clientKey = 'sk-client-key-never-logged-4711';
const upstreamKey = 'sk-upstream-key-never-logged-0815';

describe("a session's log line", () => {
  const logs = captureLogs('debug');
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock(
      { upstream: { apiKey: upstreamKey }, clientKeys: [clientKey], logger: logs.logger },
      { apiKey: upstreamKey },
    );
  });
  after(() => ferry.close());

  it('has the usage and the websocket facts, and never a key (subprotocol key included)', async () => {
    const url = `${ferry.url.replace('http', 'ws')}/realtime?model=gpt-realtime`;
    const socket = await openEventSocket(url, {
      protocols: ['realtime', `openai-insecure-api-key.${clientKey}`],
    });
    await socket.next('session.created');
    socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    await socket.next('response.done');
    socket.close();
    await socket.closed;
    const line = await logs.waitFor((entry) => entry.route === 'realtime' && entry.status === 101);
    assert.equal(line.model, 'gpt-realtime');
    assert.equal((line.websocket as { responses: number }).responses, 1);
    assert.ok((line.usage as { totalTokens: number }).totalTokens > 0);
    const refused = await openEventSocket(url, {
      protocols: ['realtime', 'openai-insecure-api-key.sk-wrong-key-never-logged'],
    }).catch((error: unknown) => error);
    assert.ok(refused instanceof UpgradeRefusedError);
    await logs.waitFor((entry) => entry.route === 'realtime' && entry.status === 401);
    const all = logs.lines.join('');
    for (const secret of [clientKey, upstreamKey, 'sk-wrong-key-never-logged'])
      assert.doesNotMatch(all, new RegExp(secret));
  });
});
