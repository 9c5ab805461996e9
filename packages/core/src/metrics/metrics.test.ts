import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import type { Registry } from 'prom-client';
import type { GatewayOptions } from '../options.js';
import { captureLogs, type GatewayServer, type LogCapture, startGatewayServer } from '../testing/index.js';
import { chat, metricValue } from './metrics-test-helpers.js';

describe('metrics move with what the gateway does', () => {
  let mock: MockUpstream;
  let ferry: GatewayServer | undefined;
  let logs: LogCapture;
  let registry: Registry;
  const start = async (options: Partial<GatewayOptions> = {}) => {
    logs = captureLogs();
    ferry = await startGatewayServer({
      upstream: { name: 'main', url: mock.url, local: true },
      metrics: {},
      logger: logs.logger,
      ...options,
    } as GatewayOptions);
    assert.ok(ferry.gateway.metrics !== undefined);
    registry = ferry.gateway.metrics.registry;
    return ferry;
  };
  before(async () => {
    mock = await startMockUpstream({ chunks: 3 });
  });
  afterEach(async () => {
    await ferry?.close();
    ferry = undefined;
    mock.reset();
  });
  after(() => mock.close());

  it('counts a plain answer and a stream: requests, durations, first byte, tokens, in flight', async () => {
    const { url } = await start({ requestStreamUsage: true });
    assert.equal((await chat(url, logs, {})).status, 200);
    const streamed = await chat(url, logs, { stream: true });
    assert.equal(streamed.status, 200);
    assert.ok(streamed.text.includes('[DONE]'));

    const ok = { route: 'chat.completions', method: 'POST', status: '200', upstream: 'main' };
    assert.equal(await metricValue(registry, 'ferry_requests_total', ok), 2);
    const series = { route: 'chat.completions', upstream: 'main' };
    assert.equal(await metricValue(registry, 'ferry_request_duration_seconds_count', series), 2);
    assert.equal(
      await metricValue(registry, 'ferry_upstream_first_byte_seconds_count', { upstream: 'main' }),
      2,
    );
    assert.equal(await metricValue(registry, 'ferry_gateway_overhead_seconds_count'), 2);
    assert.equal(await metricValue(registry, 'ferry_requests_in_flight'), 0);
    const tokens = { upstream: 'main', model: 'gpt-4o-mini' };
    assert.ok((await metricValue(registry, 'ferry_tokens_total', { ...tokens, kind: 'prompt' })) > 0);
    assert.ok((await metricValue(registry, 'ferry_tokens_total', { ...tokens, kind: 'completion' })) >= 6);
    assert.equal(await metricValue(registry, 'ferry_errors_total', { code: 'upstream_connection_reset' }), 0);
  });

  it('holds a request in flight until its stream ends', async () => {
    const { url } = await start();
    const pending = chat(
      url,
      logs,
      { stream: true },
      { 'x-mock-chunk-interval-ms': '50', 'x-mock-chunks': '4' },
    );
    await mock.nextRequest();
    // The gateway counts the request before it reaches the upstream.
    assert.equal(await metricValue(registry, 'ferry_requests_in_flight'), 1);
    await pending;
    assert.equal(await metricValue(registry, 'ferry_requests_in_flight'), 0);
  });

  it('counts upstream errors by status, and Ferry errors by code', async () => {
    const { url } = await start();
    assert.equal((await chat(url, logs, {}, { 'x-mock-fault': 'status=500' })).status, 500);
    assert.equal((await chat(url, logs, {}, { 'x-mock-fault': 'reset-before-headers' })).status, 502);
    const cut = await chat(url, logs, { stream: true }, { 'x-mock-fault': 'reset-after=1' });
    assert.equal(cut.status, 200);

    const labels = { route: 'chat.completions', method: 'POST', upstream: 'main' };
    assert.equal(await metricValue(registry, 'ferry_requests_total', { ...labels, status: '500' }), 1);
    assert.equal(await metricValue(registry, 'ferry_requests_total', { ...labels, status: '502' }), 1);
    assert.equal(await metricValue(registry, 'ferry_errors_total', { code: 'upstream_connection_reset' }), 1);
    assert.equal(await metricValue(registry, 'ferry_errors_total', { code: 'upstream_stream_error' }), 1);
    // A passed-through upstream error is not a Ferry error.
    assert.equal(await metricValue(registry, 'ferry_errors_total', { code: 'upstream_error' }), 0);
  });

  it('counts retries per upstream', async () => {
    const { url } = await start({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    const answer = await chat(url, logs, {}, { 'x-mock-fault': 'status=503;times=1' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-ferry-attempts'], '2');
    assert.equal(await metricValue(registry, 'ferry_retries_total', { upstream: 'main' }), 1);
    assert.equal(
      await metricValue(registry, 'ferry_upstream_first_byte_seconds_count', { upstream: 'main' }),
      2,
    );
    const ok = { route: 'chat.completions', method: 'POST', status: '200', upstream: 'main' };
    assert.equal(await metricValue(registry, 'ferry_requests_total', ok), 1);
  });

  it('counts fallbacks by the upstream left and why', async () => {
    const { url } = await start({
      upstream: undefined,
      upstreams: [
        { name: 'first', url: mock.url, local: true },
        { name: 'second', url: mock.url, local: true },
      ],
      fallback: {},
    });
    const answer = await chat(url, logs, {}, { 'x-mock-fault': 'status=503;times=1' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-ferry-upstream'], 'second');
    assert.equal(await metricValue(registry, 'ferry_fallbacks_total', { from: 'first', reason: '503' }), 1);
    const served = { route: 'chat.completions', method: 'POST', status: '200', upstream: 'second' };
    assert.equal(await metricValue(registry, 'ferry_requests_total', served), 1);

    // Both fail: the first was left for the second; the second had nowhere to go.
    const failed = await chat(url, logs, {}, { 'x-mock-fault': 'status=500' });
    assert.equal(failed.status, 500);
    assert.equal(await metricValue(registry, 'ferry_fallbacks_total', { from: 'first', reason: '500' }), 1);
    assert.equal(await metricValue(registry, 'ferry_fallbacks_total', { from: 'second', reason: '500' }), 0);
  });

  it('shows the breaker state and counts requests it turned away', async () => {
    const { url } = await start({
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
    });
    assert.equal((await chat(url, logs, {})).status, 200);
    assert.equal(await metricValue(registry, 'ferry_breaker_state', { upstream: 'main' }), 0);
    for (let index = 0; index < 2; index++) {
      assert.equal((await chat(url, logs, {}, { 'x-mock-fault': 'status=503' })).status, 503);
    }
    assert.equal(await metricValue(registry, 'ferry_breaker_state', { upstream: 'main' }), 1);
    const refused = await chat(url, logs, {});
    assert.equal(refused.status, 503);
    assert.equal(await metricValue(registry, 'ferry_errors_total', { code: 'upstream_circuit_open' }), 1);
  });

  it('counts 429s of its own limits by limit', async () => {
    const { url } = await start({ limits: { requests: { limit: 1, windowSeconds: 60 } } });
    assert.equal((await chat(url, logs, {})).status, 200);
    assert.equal((await chat(url, logs, {})).status, 429);
    assert.equal(await metricValue(registry, 'ferry_rate_limited_total', { limit: 'requests' }), 1);
    assert.equal(await metricValue(registry, 'ferry_rate_limited_total', { limit: 'tokens' }), 0);
    assert.equal(await metricValue(registry, 'ferry_errors_total', { code: 'rate_limit_exceeded' }), 1);
    const limited = { route: 'chat.completions', method: 'POST', status: '429', upstream: 'none' };
    assert.equal(await metricValue(registry, 'ferry_requests_total', limited), 1);
  });

  it('sums what answers cost by the price table, per upstream and model', async () => {
    // 1 USD per token either way, so the spend is the token count.
    const prices = { 'gpt-4o-mini': { inputPerMillionUsd: 1_000_000, outputPerMillionUsd: 1_000_000 } };
    const { url } = await start({
      clientKeys: ['sk-spender'],
      prices,
      budgets: { perKey: { dailyUsd: 1e9 } },
    });
    const key = { authorization: 'Bearer sk-spender' };
    assert.equal((await chat(url, logs, {}, key)).status, 200);
    assert.equal((await chat(url, logs, {}, key)).status, 200);
    const labels = { upstream: 'main', model: 'gpt-4o-mini' };
    const tokens =
      (await metricValue(registry, 'ferry_tokens_total', { ...labels, kind: 'prompt' })) +
      (await metricValue(registry, 'ferry_tokens_total', { ...labels, kind: 'completion' }));
    assert.ok(tokens > 0);
    assert.equal(await metricValue(registry, 'ferry_spend_usd_total', labels), tokens);
  });

  it('counts what the content filter did, and budgets passed', async () => {
    const prices = { 'gpt-4o-mini': { inputPerMillionUsd: 1_000_000, outputPerMillionUsd: 1_000_000 } };
    const { url } = await start({
      clientKeys: ['sk-spender'],
      contentFilter: { words: ['mock'], response: 'stop' },
      prices,
      budgets: { perKey: { dailyUsd: 1 } },
    });
    const key = { authorization: 'Bearer sk-spender' };
    assert.equal((await chat(url, logs, {}, key)).status, 200);
    assert.equal(await metricValue(registry, 'ferry_filter_actions_total', { action: 'answer stopped' }), 1);
    // The first answer cost more than the 1 USD budget: the next request passes the hard limit.
    assert.equal((await chat(url, logs, {}, key)).status, 429);
    assert.ok(
      (await metricValue(registry, 'ferry_budget_crossings_total', { level: 'hard', scope: 'key' })) >= 1,
    );
  });

  it('names the token limit when it refuses', async () => {
    const { url } = await start({ limits: { tokens: { limit: 50, windowSeconds: 60 } } });
    assert.equal((await chat(url, logs, { max_tokens: 1_000 })).status, 429);
    assert.equal(await metricValue(registry, 'ferry_rate_limited_total', { limit: 'tokens' }), 1);
    assert.equal(await metricValue(registry, 'ferry_rate_limited_total', { limit: 'requests' }), 0);
  });
});
