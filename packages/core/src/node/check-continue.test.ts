import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { createGateway, type Gateway } from '../gateway.js';
import { createCheckContinueHandler } from './check-continue.js';
import { handleNodeRequest } from './handle-node-request.js';
import { expectContinue } from './test-expect-continue.js';

describe('createCheckContinueHandler', () => {
  let mock: MockUpstream;
  let gateway: Gateway;
  let server: Server;
  let port: number;
  const appCalls: string[] = [];
  before(async () => {
    mock = await startMockUpstream({});
    gateway = createGateway({
      upstream: { url: mock.url, local: true },
      maxBodyBytes: 1_000,
      logger: false,
    });
    // A host app with Ferry under /llm and a route of its own.
    const app: RequestListener = (request, response) => {
      appCalls.push(request.url ?? '');
      if (request.url?.startsWith('/llm/')) {
        void handleNodeRequest(gateway, request, response, { url: request.url.slice('/llm'.length) });
        return;
      }
      request.resume();
      request.on('end', () => response.end('app'));
    };
    server = createServer(app);
    server.on('checkContinue', createCheckContinueHandler(gateway, app, { prefix: '/llm' }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await gateway.close();
    await mock.close();
  });

  it('refuses a declared length over maxBodyBytes with a 413 before inviting the body', async () => {
    const calls = appCalls.length;
    const { invited, text } = await expectContinue(port, '/llm/v1/chat/completions', '', 5_000);
    assert.equal(invited, false);
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.match(text, /"code":"request_too_large"/);
    assert.equal(appCalls.length, calls, 'the app never saw the request');
  });

  it('invites a body within the limit and hands the request to the app', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const { invited, text } = await expectContinue(port, '/llm/v1/chat/completions', body);
    assert.equal(invited, true);
    assert.match(text, /\r\n\r\nHTTP\/1\.1 200 /);
    assert.equal(mock.requests.at(-1)?.body.toString(), body);
  });

  it('leaves requests outside the gateway to the app, whatever their size', async () => {
    for (const path of ['/upload', '/llmx/v1/chat/completions', '/v1/chat/completions']) {
      const { invited, text } = await expectContinue(port, path, 'x'.repeat(5_000));
      assert.equal(invited, true, path);
      assert.match(text, /\r\n\r\napp$/, path);
    }
  });
});
