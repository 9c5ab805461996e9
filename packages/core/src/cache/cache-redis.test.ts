import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { startMockUpstream } from '@ferry/mock-upstream';
import { eventually, send, startGatewayServer } from '../testing/index.js';

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], temperature: 0 };
const clients = [{ id: 'a', tenant: 'team-a', keys: ['sk-team-a'] }];
const headers = { authorization: 'Bearer sk-team-a' };

describe('exact response cache on Redis', () => {
  it('two gateway instances share answers through Redis', async () => {
    const mock = await startMockUpstream();
    const redis = { url: 'redis://127.0.0.1:6379', keyPrefix: `ferry-test:${randomUUID()}:` };
    const options = { upstream: { url: mock.url, local: true }, clients, redis, cache: {} };
    const one = await startGatewayServer(options);
    const two = await startGatewayServer(options);
    try {
      await Promise.all([one.gateway.ready(), two.gateway.ready()]);
      const first = await send(`${one.url}/chat/completions`, { headers, body });
      assert.equal(first.headers['x-ferry-cache'], 'miss');
      await eventually(
        async () =>
          (await send(`${two.url}/chat/completions`, { headers, body })).headers['x-ferry-cache'] === 'hit',
      );
      const hit = await send(`${two.url}/chat/completions`, { headers, body });
      assert.deepEqual(hit.json, first.json);
      assert.equal(mock.requests.length, 1);
    } finally {
      await one.close();
      await two.close();
      await mock.close();
    }
  });

  it('Redis down: every request is a miss and is answered, never failed; the store event says degraded', async () => {
    const mock = await startMockUpstream();
    const ferry = await startGatewayServer({
      upstream: { url: mock.url, local: true },
      clients,
      // Nothing listens on port 1: every command fails at once (the offline queue is off).
      redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 100 },
      cache: {},
    });
    const states: string[] = [];
    ferry.gateway.events.on('store', (event) => {
      if (event.store === 'cache') states.push(event.state);
    });
    try {
      for (let index = 0; index < 3; index++) {
        const answer = await send(`${ferry.url}/chat/completions`, { headers, body });
        assert.equal(answer.status, 200);
        assert.equal(answer.headers['x-ferry-cache'], 'miss');
      }
      const streamed = await send(`${ferry.url}/chat/completions`, {
        headers,
        body: { ...body, stream: true },
      });
      assert.equal(streamed.status, 200);
      assert.ok(streamed.text.endsWith('data: [DONE]\n\n'));
      assert.equal(mock.requests.length, 4);
      assert.deepEqual(states, ['degraded']);
    } finally {
      await ferry.close();
      await mock.close();
    }
  });
});
