import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { request } from 'undici';
import type { GatewayOptions } from '../../options.js';
import { captureLogs, type GatewayServer, type LogCapture, startGatewayServer } from '../../testing/index.js';
import { errorCode, postChat } from '../resilience/test-client.js';
import { BreakerRegistry } from './breaker-registry.js';

const breakerSettings = {
  errorThresholdPercentage: 50,
  volumeThreshold: 2,
  rollingWindowMs: 10_000,
  rollingBuckets: 10,
  resetTimeoutMs: 300,
  perModel: false,
};

describe('circuit breaker with fallback', () => {
  let primary: MockUpstream;
  let secondary: MockUpstream;
  let ferry: GatewayServer;
  let logs: LogCapture;
  const start = async (options: Partial<GatewayOptions> = {}) => {
    await ferry?.close();
    logs = captureLogs();
    ferry = await startGatewayServer({
      upstreams: [
        { name: 'primary', url: primary.url, local: true },
        // The secondary serves any model as gpt-4o-mini: fault models reach the primary only.
        { name: 'secondary', url: secondary.url, local: true, models: { '*': 'gpt-4o-mini' } },
      ],
      breaker: breakerSettings,
      fallback: {},
      logger: logs.logger,
      ...options,
    } as GatewayOptions);
  };
  const opened = (name: string) => logs.waitFor((entry) => entry.breaker === name && entry.state === 'open');
  before(async () => {
    primary = await startMockUpstream({ chunks: 3 });
    secondary = await startMockUpstream({ chunks: 3 });
  });
  beforeEach(async () => {
    primary.reset();
    secondary.reset();
    await start();
  });
  after(async () => {
    await ferry.close();
    await primary.close();
    await secondary.close();
  });

  it('opens, falls back, lets one half-open probe through and closes again', async () => {
    for (let index = 0; index < 2; index++) {
      const answer = await postChat(ferry.url, { model: 'mock-fault:status=503' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['x-ferry-upstream'], 'secondary');
      assert.equal(answer.headers['x-ferry-fallback'], 'primary:503');
      assert.equal((secondary.requests.at(-1)?.json as { model?: string } | undefined)?.model, 'gpt-4o-mini');
    }
    await opened('primary');

    const seenByPrimary = primary.requests.length;
    const shortCircuited = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(shortCircuited.headers['x-ferry-upstream'], 'secondary');
    assert.equal(shortCircuited.headers['x-ferry-fallback'], 'primary:upstream_circuit_open');
    assert.equal(primary.requests.length, seenByPrimary, 'an open circuit sends nothing upstream');

    await logs.waitFor((entry) => entry.breaker === 'primary' && entry.state === 'half-open');
    // The probe is slow; a request arriving meanwhile is not a second probe.
    const probe = postChat(ferry.url, { model: 'gpt-4o-mini' }, { 'x-mock-latency-ms': '150' });
    await primary.nextRequest((request) => request.headers['x-mock-latency-ms'] !== undefined);
    const during = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(during.headers['x-ferry-fallback'], 'primary:upstream_circuit_open');
    const probed = await probe;
    assert.equal(probed.status, 200);
    assert.equal(probed.headers['x-ferry-upstream'], 'primary');
    await logs.waitFor((entry) => entry.breaker === 'primary' && entry.state === 'closed');

    const closed = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(closed.headers['x-ferry-upstream'], 'primary');
    assert.equal(closed.headers['x-ferry-fallback'], undefined);
  });

  it('does not count client errors (4xx other than 408/429)', async () => {
    for (let index = 0; index < 4; index++) {
      const answer = await postChat(ferry.url, { model: 'mock-fault:status=400' });
      assert.equal(answer.status, 400, 'a client error goes back to the client, no fallback');
      assert.equal(answer.headers['x-ferry-upstream'], 'primary');
    }
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini' });
    assert.equal(answer.headers['x-ferry-upstream'], 'primary');
    assert.equal(answer.headers['x-ferry-fallback'], undefined);
    assert.equal(secondary.requests.length, 0);
  });

  it('counts failures after the stream started (invisible to opossum)', async () => {
    for (let index = 0; index < 2; index++) {
      const answer = await postChat(ferry.url, { model: 'mock-fault:reset-after=1', stream: true });
      assert.equal(answer.headers['x-ferry-upstream'], 'primary');
      assert.equal(errorCode(answer.text), 'upstream_stream_error');
    }
    await opened('primary');
    const answer = await postChat(ferry.url, { model: 'gpt-4o-mini', stream: true });
    assert.equal(answer.headers['x-ferry-fallback'], 'primary:upstream_circuit_open');
    assert.match(answer.text, /data: \[DONE\]/);
  });

  it('re-opens when the half-open probe ends with the client leaving (tells nothing)', async () => {
    for (let index = 0; index < 2; index++) await postChat(ferry.url, { model: 'mock-fault:status=500' });
    await opened('primary');
    await logs.waitFor((entry) => entry.breaker === 'primary' && entry.state === 'half-open');
    const reopened = logs.entries().filter((entry) => entry.state === 'open').length + 1;
    const controller = new AbortController();
    const probe = request(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-latency-ms': '5000' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
      signal: controller.signal,
    }).catch(() => undefined);
    await primary.nextRequest((request) => request.headers['x-mock-latency-ms'] !== undefined);
    controller.abort();
    await probe;
    await logs.waitFor(
      (entry) =>
        entry.state === 'open' && logs.entries().filter((line) => line.state === 'open').length >= reopened,
    );
    assert.equal(
      logs.entries().some((entry) => entry.state === 'closed'),
      false,
      'the abandoned probe did not close the circuit',
    );
  });

  it('never cuts a stream that outlives the breaker timers', async () => {
    const answer = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini', stream: true },
      // Longer than resetTimeoutMs and than opossum's timeout if it had been left on.
      { 'x-mock-chunks': '8', 'x-mock-chunk-interval-ms': '60' },
    );
    assert.equal(answer.cut, false);
    assert.match(answer.text, /data: \[DONE\]/);
    const registry = new BreakerRegistry(breakerSettings, async () => ({
      status: 200,
      headers: {},
      body: undefined,
    }));
    const breaker = registry.get('any', undefined);
    assert.equal((breaker as unknown as { options: { timeout: unknown } }).options.timeout, false);
    assert.equal(
      (breaker as unknown as { options: { abortController?: unknown } }).options.abortController,
      undefined,
    );
    registry.close();
  });

  it("one request's timeout leaves another request intact", async () => {
    await start({ upstreams: [{ name: 'primary', url: primary.url, local: true, firstByteTimeoutMs: 150 }] });
    const long = postChat(
      ferry.url,
      { model: 'gpt-4o-mini', stream: true },
      { 'x-mock-chunks': '6', 'x-mock-chunk-interval-ms': '60' },
    );
    await primary.nextRequest((request) => request.headers['x-mock-chunks'] !== undefined);
    const stalled = await postChat(
      ferry.url,
      { model: 'gpt-4o-mini' },
      { 'x-mock-fault': 'stall-before-headers' },
    );
    assert.equal(stalled.status, 504);
    assert.equal(errorCode(stalled.text), 'upstream_timeout');
    const finished = await long;
    assert.equal(finished.cut, false);
    assert.match(finished.text, /data: \[DONE\]/);
  });
});
