import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { chatBody } from '@ferry/mock-upstream/helpers';
import { createGateway, type Gateway } from '../gateway.js';
import { createCheckContinueHandler } from './check-continue.js';
import { expectContinue } from './test-expect-continue.js';
import { withGateway } from './with-gateway.js';

// The Express and Koa front-mode conformance runs cover forwarding and falling through; this
// covers what is the helper's own: its prefix check and its place behind `checkContinue`.
describe('withGateway', () => {
  let mock: MockUpstream;
  let gateway: Gateway;
  let server: Server;
  let port: number;
  const appSaw: string[] = [];

  before(async () => {
    mock = await startMockUpstream({});
    gateway = createGateway({ upstream: { url: mock.url, local: true }, maxBodyBytes: 1_000, logger: false });
    // A plain Node app: it answers with what it read, so an unread body is visible.
    const app: RequestListener = (request, response) => {
      appSaw.push(request.url ?? '');
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => response.end(`app:${body}`));
    };
    const front = withGateway(gateway, app, { prefix: '/llm' });
    server = createServer(front);
    server.on('checkContinue', createCheckContinueHandler(gateway, front, { prefix: '/llm' }));
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

  it('refuses a prefix that is not a path', () => {
    for (const prefix of ['llm', '/llm/', '/']) {
      assert.throws(() => withGateway(gateway, () => {}, { prefix }), /prefix must start with \//);
    }
  });

  it('sends the gateway its paths inside the prefix and the app everything else', async () => {
    const calls = appSaw.length;
    const answer = await fetch(`http://127.0.0.1:${port}/llm/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody(),
    });
    assert.equal(answer.status, 200);
    assert.equal(mock.requests.at(-1)?.path, '/v1/chat/completions');
    await answer.arrayBuffer();
    assert.equal(appSaw.length, calls, 'the app never saw the gateway request');
    const other = await fetch(`http://127.0.0.1:${port}/llm/upload`, { method: 'POST', body: 'kept' });
    assert.equal(await other.text(), 'app:kept');
  });

  it('behind createCheckContinueHandler, refuses an oversized gateway body before inviting it', async () => {
    const calls = appSaw.length;
    const refused = await expectContinue(port, '/llm/v1/chat/completions', '', 5_000);
    assert.equal(refused.invited, false);
    assert.match(refused.text, /^HTTP\/1\.1 413 /);
    assert.match(refused.text, /"code":"request_too_large"/);
    const body = chatBody();
    const accepted = await expectContinue(port, '/llm/v1/chat/completions', body);
    assert.equal(accepted.invited, true);
    assert.match(accepted.text, /\r\n\r\nHTTP\/1\.1 200 /);
    assert.equal(mock.requests.at(-1)?.body.toString(), body);
    const app = await expectContinue(port, '/upload', 'x'.repeat(5_000));
    assert.equal(app.invited, true);
    assert.match(app.text, /\r\n\r\napp:x{5000}$/);
    assert.deepEqual(appSaw.slice(calls), ['/upload']);
  });
});
