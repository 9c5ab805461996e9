import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { register } from 'prom-client';
import { createGateway } from '../gateway.js';
import { type GatewayOptions, GatewayOptionsError } from '../options.js';
import { assertErrorAnswer, captureLogs, send, startGatewayServer } from '../testing/index.js';
import { chat, labelValues, metricValue } from './metrics-test-helpers.js';

const adminKey = 'ferry-admin-key-0123456789';
const clientKey = 'sk-client-METRICS-CANARY-4411';

describe('metrics endpoint and registry', () => {
  let mock: MockUpstream;
  const upstream = () => ({ name: 'main', url: mock.url, local: true });
  before(async () => {
    mock = await startMockUpstream({ chunks: 2 });
  });
  after(() => mock.close());

  it('answers the text exposition format at /v1/ferry/metrics', async () => {
    const ferry = await startGatewayServer({ upstream: upstream(), metrics: {} });
    try {
      await send(`${ferry.url}/models`);
      const answer = await send(`${ferry.url}/ferry/metrics`);
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(answer.text, /^# HELP ferry_requests_total /m);
      assert.match(answer.text, /^# TYPE ferry_request_duration_seconds histogram$/m);
      assert.match(
        answer.text,
        /^ferry_requests_total\{route="models",method="GET",status="200",upstream="main"\} 1$/m,
      );
      // Node's process metrics are off unless asked for.
      assert.doesNotMatch(answer.text, /process_cpu/);
    } finally {
      await ferry.close();
    }
  });

  it('needs the admin key when one is set, the usage endpoint one by default', async () => {
    for (const options of [{ metrics: { adminKey } }, { metrics: {}, usageEndpoint: { adminKey } }] as Array<
      Partial<GatewayOptions>
    >) {
      const ferry = await startGatewayServer({ upstream: upstream(), ...options });
      try {
        const url = `${ferry.url}/ferry/metrics`;
        assertErrorAnswer(await send(url), 401, 'invalid_admin_key');
        assertErrorAnswer(
          await send(url, { headers: { authorization: 'Bearer nope' } }),
          401,
          'invalid_admin_key',
        );
        const answer = await send(url, { headers: { authorization: `Bearer ${adminKey}` } });
        assert.equal(answer.status, 200);
        assert.ok(!answer.text.includes(adminKey));
      } finally {
        await ferry.close();
      }
    }
  });

  it('is absent when metrics are off, and when `path` is false (the host app serves them)', async () => {
    const off = await startGatewayServer({ upstream: upstream() });
    try {
      assertErrorAnswer(await send(`${off.url}/ferry/metrics`), 404, 'unknown_url');
      assert.equal(off.gateway.metrics, undefined);
    } finally {
      await off.close();
    }
    const hosted = await startGatewayServer({
      upstream: upstream(),
      metrics: { path: false, prefix: 'app_llm_' },
    });
    try {
      assertErrorAnswer(await send(`${hosted.url}/ferry/metrics`), 404, 'unknown_url');
      await send(`${hosted.url}/models`);
      const text = await hosted.gateway.metrics?.render();
      assert.match(text ?? '', /^app_llm_requests_total\{route="models"/m);
    } finally {
      await hosted.close();
    }
  });

  it('keeps two gateways in one process apart, off the global registry', async () => {
    const first = await startGatewayServer({ upstream: upstream(), metrics: { defaultMetrics: true } });
    const second = await startGatewayServer({ upstream: upstream(), metrics: { defaultMetrics: true } });
    try {
      await send(`${first.url}/models`);
      await send(`${first.url}/models`);
      await send(`${second.url}/models`);
      const labels = { route: 'models', method: 'GET', status: '200', upstream: 'main' };
      assert.equal(await metricValue(first.gateway.metrics!.registry, 'ferry_requests_total', labels), 2);
      assert.equal(await metricValue(second.gateway.metrics!.registry, 'ferry_requests_total', labels), 1);
      assert.match(await second.gateway.metrics!.render(), /^ferry_process_cpu_seconds_total /m);
      assert.equal(register.getSingleMetric('ferry_requests_total'), undefined);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('caps the model label, and never labels a key sent as the model', async () => {
    const logs = captureLogs();
    const ferry = await startGatewayServer({
      upstream: { ...upstream(), models: { 'configured-model': 'gpt-4o-mini' } },
      clientKeys: [clientKey],
      metrics: { maxModels: 3 },
      logger: logs.logger,
    });
    try {
      const auth = { authorization: `Bearer ${clientKey}` };
      for (let index = 0; index < 8; index++) await chat(ferry.url, logs, { model: `model-${index}` }, auth);
      await chat(ferry.url, logs, { model: clientKey }, auth);
      await chat(ferry.url, logs, { model: 'configured-model' }, auth);
      const models = await labelValues(ferry.gateway.metrics!.registry, 'ferry_tokens_total', 'model');
      // The configured name always counts as itself; three others fit under the cap.
      assert.deepEqual([...models].sort(), ['configured-model', 'model-0', 'model-1', 'model-2', 'other']);
      const text = await ferry.gateway.metrics!.render();
      assert.ok(!text.includes(clientKey), 'the key leaked into a label');
      assert.ok(!text.includes('metrics-test-'), 'a request id leaked into a label');
    } finally {
      await ferry.close();
    }
  });

  it('rejects bad options naming the field', () => {
    assert.throws(
      () => createGateway({ upstream: upstream(), metrics: { prefix: 'bad-prefix' }, logger: false }),
      (error: unknown) => error instanceof GatewayOptionsError && error.message.includes('metrics.prefix'),
    );
    assert.throws(
      () =>
        createGateway({
          upstream: upstream(),
          metrics: { buckets: { overheadSeconds: [2, 1] } },
          logger: false,
        }),
      (error: unknown) => error instanceof GatewayOptionsError && error.message.includes('metrics.buckets'),
    );
  });
});
