import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { eventually, send, startGatewayWithMock } from '../../testing/index.js';

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

describe('concurrent request limit', () => {
  it('holds the slot while a stream runs and releases it when the client leaves', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      limits: { key: 'ip', concurrency: { limit: 1 } },
    });
    try {
      const controller = new AbortController();
      const streaming = await request(`${ferry.url}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mock-chunks': '100',
          'x-mock-chunk-interval-ms': '100',
        },
        body: JSON.stringify({ ...body, stream: true }),
        signal: controller.signal,
      });
      assert.equal(streaming.statusCode, 200);
      const upstreamSide = await ferry.mock.nextRequest();

      const refused = await send(`${ferry.url}/chat/completions`, { body });
      assert.equal(refused.status, 429);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'rate_limit_exceeded');
      assert.ok(Number(refused.headers['retry-after']) >= 1);

      controller.abort();
      await streaming.body.text().catch(() => {});
      assert.equal((await upstreamSide.closed).completed, false);
      await eventually(async () => (await send(`${ferry.url}/chat/completions`, { body })).status === 200);
    } finally {
      await ferry.close();
    }
  });

  it('releases the slot when a response ends, and when the upstream fails', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      limits: { key: 'ip', concurrency: { limit: 1 } },
    });
    try {
      for (let round = 0; round < 3; round++) {
        assert.equal((await send(`${ferry.url}/chat/completions`, { body })).status, 200);
      }
      const failed = await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-mock-fault': 'reset-before-headers' },
        body,
      });
      assert.ok(failed.status >= 500);
      await eventually(async () => (await send(`${ferry.url}/chat/completions`, { body })).status === 200);
    } finally {
      await ferry.close();
    }
  });
});
