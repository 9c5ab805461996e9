import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { send, startGatewayServer, startGatewayWithMock } from '../../testing/index.js';
import { createPacer } from './pacer.js';
import { startExhaustedUpstream } from './testing/exhausted-upstream.js';
import { parseResetDuration } from './upstream-pacing.js';

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

describe('upstream pacing', () => {
  it('refuses at once with 503 when the queue is full, and 429 when the wait exceeds the client deadline', async () => {
    // 60 per minute: one request per second, one queued at most.
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      pacing: { requestsPerMinute: 60, burstRequests: 1, maxQueueLength: 1, maxWaitMs: 5_000 },
    });
    try {
      const first = await send(`${ferry.url}/chat/completions`, { body });
      assert.equal(first.status, 200);
      const queued = send(`${ferry.url}/chat/completions`, { body });
      await ferry.mock.nextRequest().catch(() => {});
      // Nothing else may wait: the queue holds one.
      const full = await send(`${ferry.url}/chat/completions`, { body });
      assert.equal(full.status, 503);
      assert.equal((full.json as { error: { code: string } }).error.code, 'upstream_queue_full');
      assert.ok(Number(full.headers['retry-after']) >= 1);
      assert.equal((await queued).status, 200);

      const impatient = await send(`${ferry.url}/chat/completions`, {
        headers: { 'x-ferry-deadline-ms': '100' },
        body,
      });
      assert.equal(impatient.status, 429);
      assert.equal((impatient.json as { error: { code: string } }).error.code, 'upstream_rate_limited');
      assert.equal(ferry.mock.requests.length, 2);
    } finally {
      await ferry.close();
    }
  });

  it('takes a waiting request out of the queue when its client leaves', async () => {
    const pacer = createPacer({ requestsPerMinute: 60, burstRequests: 1, maxQueueLength: 10 });
    try {
      await pacer.acquire(10_000, new AbortController().signal);
      const controller = new AbortController();
      const waiting = pacer.acquire(10_000, controller.signal);
      assert.equal(pacer.queueLength, 1);
      controller.abort();
      await assert.rejects(waiting);
      assert.equal(pacer.queueLength, 0);
    } finally {
      pacer.close();
    }
  });

  it('a client leaving the queue never reaches the upstream', async () => {
    const ferry = await startGatewayWithMock({
      upstream: { local: true },
      pacing: { requestsPerMinute: 60, maxWaitMs: 5_000 },
    });
    try {
      assert.equal((await send(`${ferry.url}/chat/completions`, { body })).status, 200);
      const controller = new AbortController();
      const leaving = request(`${ferry.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(leaving);
      // The next request takes the slot the leaver gave up; the leaver itself never went upstream.
      assert.equal((await send(`${ferry.url}/chat/completions`, { body })).status, 200);
      assert.equal(ferry.mock.requests.length, 2);
    } finally {
      await ferry.close();
    }
  });

  it("follows the upstream's x-ratelimit headers: no request leaves before the announced reset", async () => {
    const upstream = await startExhaustedUpstream();
    const ferry = await startGatewayServer({
      upstream: { url: upstream.url, local: true },
      pacing: { requestsPerMinute: 6_000, burstRequests: 10, maxWaitMs: 1_000 },
    });
    try {
      assert.equal((await send(`${ferry.url}/chat/completions`, { body })).status, 200);
      // The upstream said none remain for 20 s: waiting longer than 1 s is refused at once.
      const paused = await send(`${ferry.url}/chat/completions`, { body });
      assert.equal(paused.status, 429);
      assert.ok(Number(paused.headers['retry-after']) >= 19);
      assert.equal(upstream.served, 1);
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });

  it("parses OpenAI's reset durations", () => {
    assert.equal(parseResetDuration('20ms'), 20);
    assert.equal(parseResetDuration('1s'), 1_000);
    assert.equal(parseResetDuration('6m0s'), 360_000);
    assert.equal(parseResetDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseResetDuration('soon'), undefined);
  });
});
