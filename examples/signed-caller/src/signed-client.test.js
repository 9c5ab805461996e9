// @ts-check
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGateway, loadConfigFile } from '@ferry/core';
import { handleNodeRequest } from '@ferry/core/node';
import { startMockUpstream } from '@ferry/mock-upstream';
import { createSignedClient, streamedText } from './signed-client.js';

const secret = 'example-signing-secret-0123456789abcdef';
const configFile = fileURLToPath(new URL('../ferry.signed.json', import.meta.url));

describe('the signed caller against a gateway configured by ferry.signed.json', () => {
  /** @type {import('@ferry/mock-upstream').MockUpstream} */
  let mock;
  /** @type {import('@ferry/core').Gateway} */
  let gateway;
  const server = createServer();
  let baseUrl = '';

  before(async () => {
    mock = await startMockUpstream({ content: '你好! Hello!' });
    const options = loadConfigFile(configFile, { FERRY_SIGNING_SECRET: secret });
    gateway = createGateway({ ...options, upstream: { url: mock.url, local: true }, logger: false });
    server.on('request', (request, response) => handleNodeRequest(gateway, request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    baseUrl = `http://127.0.0.1:${address.port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await gateway.close();
    await mock.close();
  });

  it('gets models, a completion and a stream with signed requests', async () => {
    const client = createSignedClient({ baseUrl, keyId: 'coze-plugin', secret });
    assert.equal((await client.get('/models')).response.status, 200);
    const chat = await client.post('/chat/completions', { model: 'gpt-4o-mini', messages: [] });
    assert.equal(chat.response.status, 200);
    const answer = /** @type {{ choices: Array<{ message: { content: string } }> }} */ (
      await chat.response.json()
    );
    assert.equal(answer.choices[0]?.message.content, '你好! Hello!');
    const stream = await client.post('/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [],
      stream: true,
    });
    assert.equal(await streamedText(stream.response), '你好! Hello!');
  });

  it('is refused when it replays a request or signs with the wrong secret', async () => {
    const client = createSignedClient({ baseUrl, keyId: 'coze-plugin', secret });
    const first = await client.post('/chat/completions', { model: 'gpt-4o-mini', messages: [] });
    await first.response.arrayBuffer();
    const replay = await client.replay(
      'POST',
      '/chat/completions',
      { model: 'gpt-4o-mini', messages: [] },
      first.signature,
    );
    assert.equal(replay.response.status, 401);
    const refusal = /** @type {{ error: { code: string } }} */ (await replay.response.json());
    assert.equal(refusal.error.code, 'invalid_signature');
    const intruder = createSignedClient({ baseUrl, keyId: 'coze-plugin', secret: 'x'.repeat(40) });
    const refused = await intruder.get('/models');
    assert.equal(refused.response.status, 401);
    await refused.response.arrayBuffer();
  });
});
