import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { openEventSocket, UpgradeRefusedError } from '@ferry/mock-upstream/helpers';
import type { GatewayOptions } from '../options.js';
import { type GatewayServer, startGatewayServer } from '../testing/gateway-server.js';

const upstreamKey = 'sk-upstream-choice';

/** A port that refuses connections: listened on, then closed. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the upstream of a Realtime session is chosen like HTTP', () => {
  let mock: MockUpstream;
  const gateways: GatewayServer[] = [];
  before(async () => {
    mock = await startMockUpstream({ apiKey: upstreamKey });
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    await mock.close();
  });
  const serve = async (options: GatewayOptions) => {
    const ferry = await startGatewayServer(options);
    gateways.push(ferry);
    return `${ferry.url.replace('http', 'ws')}/realtime?model=gpt-realtime`;
  };
  const refusal = async (url: string, headers: Record<string, string> = {}) => {
    const refused = await openEventSocket(url, { headers }).catch((error: unknown) => error);
    assert.ok(refused instanceof UpgradeRefusedError, `expected a refusal, got ${String(refused)}`);
    return {
      status: refused.status,
      code: (JSON.parse(refused.body) as { error: { code: string } }).error.code,
    };
  };

  it('falls back past an unreachable first upstream to the next, before the 101', async () => {
    const url = await serve({
      upstreams: [
        { name: 'down', url: `http://127.0.0.1:${await refusingPort()}/v1`, local: true },
        { name: 'mock', url: mock.url, apiKey: upstreamKey, local: true },
      ],
      fallback: {},
    });
    const socket = await openEventSocket(url);
    await socket.next('session.created');
    const upstream = await mock.nextSocket();
    assert.equal(upstream.headers.authorization, `Bearer ${upstreamKey}`);
    socket.close();
    await socket.closed;
  });

  it('refuses a loopback upstream that is not marked local (the private-address guard), with 502', async () => {
    const url = await serve({ upstream: { url: mock.url, apiKey: upstreamKey } });
    assert.deepEqual(await refusal(url), { status: 502, code: 'upstream_address_refused' });
  });

  it('answers 504 when the upstream never finishes its handshake (connect timeout)', async () => {
    const url = await serve({
      upstream: { url: mock.url, apiKey: upstreamKey, local: true },
      websocket: { connectTimeoutMs: 300 },
    });
    assert.deepEqual(await refusal(url, { 'x-mock-fault': 'stall-before-headers' }), {
      status: 504,
      code: 'upstream_connect_timeout',
    });
  });

  it('closes a silent session with 1001 on both legs after idleTimeoutMs', async () => {
    const url = await serve({
      upstream: { url: mock.url, apiKey: upstreamKey, local: true },
      websocket: { idleTimeoutMs: 300 },
    });
    const socket = await openEventSocket(url);
    await socket.next('session.created');
    const upstream = await mock.nextSocket();
    const closed = await socket.closed;
    assert.deepEqual(closed, { code: 1001, reason: 'idle timeout' });
    assert.equal((await upstream.closed).code, 1001);
  });
});
