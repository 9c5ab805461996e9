import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import OpenAI from 'openai-ga';
import { OpenAIRealtimeWS } from 'openai-ga/realtime/ws';
import { createGateway, type Gateway } from '../gateway.js';
import { attachGatewayUpgrades } from '../node/attach-upgrades.js';
import { handleNodeRequest } from '../node/handle-node-request.js';

// The official client builds a wss:// URL from its baseURL, so Ferry is served over TLS here
// with the test-only certificate of the egress tests (name `upstream.ferry.test`).
const fixture = (name: string) =>
  readFileSync(new URL(`../upstream/egress/fixtures/${name}`, import.meta.url), 'utf8');
const upstreamKey = 'sk-upstream-openai-client';
const clientKey = 'sk-client-openai-client';

describe("the official openai package's Realtime client (GA, openai/realtime/ws) through Ferry", () => {
  let mock: MockUpstream;
  let gateway: Gateway;
  let server: ReturnType<typeof createServer>;
  let baseURL: string;
  before(async () => {
    mock = await startMockUpstream({ apiKey: upstreamKey });
    gateway = createGateway({
      upstream: { url: mock.url, apiKey: upstreamKey, local: true },
      clientKeys: [clientKey],
      logger: false,
    });
    server = createServer(
      { cert: fixture('upstream.ferry.test.crt'), key: fixture('upstream.ferry.test.key') },
      (request, response) => handleNodeRequest(gateway, request, response),
    );
    attachGatewayUpgrades(server, gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    await gateway.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await mock.close();
  });

  it('opens a session, updates it, and gets a text response with usage', async () => {
    const client = new OpenAI({ apiKey: clientKey, baseURL });
    const realtime = new OpenAIRealtimeWS(
      {
        model: 'gpt-realtime',
        // ws hands TLS options to https.request: trust the fixture, check it against its own name.
        options: { ca: fixture('upstream.ferry.test.crt'), servername: 'upstream.ferry.test' } as never,
      },
      client,
    );
    const errors: unknown[] = [];
    realtime.on('error', (error) => errors.push(error));
    const created = await new Promise<unknown>((resolve) => realtime.once('session.created', resolve));
    assert.equal((created as { session: { model?: string } }).session.model, 'gpt-realtime');
    realtime.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    await new Promise((resolve) => realtime.once('session.updated', resolve));
    realtime.send({ type: 'response.create' });
    const done = (await new Promise<unknown>((resolve) => realtime.once('response.done', resolve))) as {
      response: { status?: string; usage?: { total_tokens?: number } };
    };
    assert.equal(done.response.status, 'completed');
    assert.ok((done.response.usage?.total_tokens ?? 0) > 0);
    assert.deepEqual(errors, []);
    realtime.close();
    const upstream = await mock.nextSocket();
    assert.equal(upstream.headers.authorization, `Bearer ${upstreamKey}`);
    assert.equal(upstream.headers['openai-beta'], undefined);
  });
});
