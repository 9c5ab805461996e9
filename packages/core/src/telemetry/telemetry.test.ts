import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type HistogramMetricData,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { type GatewayServer, send, startGatewayServer } from '../testing/index.js';

// The host app's SDK, as an app would set it up; Ferry only uses the API.
const spans = new InMemorySpanExporter();
const reader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 3_600_000,
});
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const meterProvider = new MeterProvider({ readers: [reader] });

const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${clientTraceId}-00f067aa0ba902b7-01`;
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

async function histogram(name: string): Promise<HistogramMetricData | undefined> {
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics)
      if (metric.descriptor.name === name) return metric as HistogramMetricData;
  return undefined;
}

describe('OpenTelemetry, GenAI semantic conventions', () => {
  let mock: MockUpstream;
  let ferry: GatewayServer;
  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    mock = await startMockUpstream({ chunks: 3 });
    ferry = await startGatewayServer({
      upstreams: [
        { name: 'primary', url: mock.url, local: true },
        { name: 'backup', url: mock.url, local: true },
      ],
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      fallback: {},
      openTelemetry: {},
    });
  });
  after(async () => {
    await ferry.close();
    await mock.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  const finished = () => spans.getFinishedSpans();
  const requestSpan = () => finished().find((span) => span.kind === SpanKind.SERVER) as ReadableSpan;
  const attemptSpans = () => finished().filter((span) => span.kind === SpanKind.CLIENT);

  it('one span per request named `{operation} {model}`, continuing the caller’s traceparent', async () => {
    spans.reset();
    mock.reset();
    const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
    const answer = await client.chat.completions.create(chat, { headers: { traceparent } });
    assert.equal(answer.choices[0]?.finish_reason, 'stop');
    const span = requestSpan();
    assert.equal(span.name, 'chat gpt-4o-mini');
    assert.equal(span.spanContext().traceId, clientTraceId, 'the incoming trace continues');
    assert.equal(span.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(span.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini');
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], answer.usage?.prompt_tokens);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], answer.usage?.completion_tokens);
    assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(span.attributes['error.type'], undefined);
    // The attempt is a child, and the upstream got the attempt's trace context.
    const [attempt] = attemptSpans();
    assert.equal(attempt?.parentSpanContext?.spanId, span.spanContext().spanId);
    assert.equal(attempt?.attributes['ferry.attempt'], 1);
    assert.equal(attempt?.attributes['ferry.retry'], false);
    assert.equal(attempt?.attributes['server.address'], '127.0.0.1');
    assert.equal(attempt?.attributes['http.response.status_code'], 200);
    const upstreamSaw = mock.requests.at(-1)?.headers.traceparent;
    assert.equal(upstreamSaw, `00-${clientTraceId}-${attempt?.spanContext().spanId}-01`);
  });

  it('a retry and a fallback are child spans with their attributes; error.type on failures', async () => {
    spans.reset();
    // The first two attempts (primary, then its retry) fail; the backup answers.
    const fault = 'status=503;times=2';
    const answer = await send(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': fault },
      body: JSON.stringify(chat),
    });
    assert.equal(answer.status, 200, answer.text);
    const attempts = attemptSpans().sort(
      (a, b) => Number(a.attributes['ferry.attempt']) - Number(b.attributes['ferry.attempt']),
    );
    assert.deepEqual(
      attempts.map((span) => [
        span.attributes['ferry.upstream'],
        span.attributes['ferry.retry'],
        span.attributes['ferry.fallback'],
        span.attributes['error.type'] ?? null,
      ]),
      [
        ['primary', false, false, '503'],
        ['primary', true, false, '503'],
        ['backup', false, true, null],
      ],
    );
    assert.equal(attempts[0]?.status.code, SpanStatusCode.ERROR);
    const span = requestSpan();
    assert.equal(span.attributes['ferry.fallback'], true);
    assert.equal(span.attributes['error.type'], undefined);
    for (const attempt of attempts)
      assert.equal(attempt.parentSpanContext?.spanId, span.spanContext().spanId);
  });

  it('a request that fails carries error.type and an error status', async () => {
    spans.reset();
    const answer = await send(`${ferry.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': 'status=400' },
      body: JSON.stringify(chat),
    });
    assert.equal(answer.status, 400);
    const span = requestSpan();
    assert.equal(span.attributes['error.type'], '400');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  it('records gen_ai.client.operation.duration (buckets past 81.92 s), token usage and time to first chunk', async () => {
    const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      ...chat,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream) {
      // read to the end
    }
    const duration = await histogram('gen_ai.client.operation.duration');
    assert.equal(duration?.descriptor.unit, 's');
    const point = duration?.dataPoints.find((entry) => entry.attributes['error.type'] === undefined);
    assert.ok(point !== undefined);
    assert.equal(point.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(point.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    const boundaries = point.value.buckets.boundaries;
    assert.ok(boundaries.includes(81.92) && (boundaries.at(-1) ?? 0) > 81.92, String(boundaries));
    const usage = await histogram('gen_ai.client.token.usage');
    const types = new Set(usage?.dataPoints.map((entry) => entry.attributes['gen_ai.token.type']));
    assert.deepEqual([...types].sort(), ['input', 'output']);
    const firstChunk = await histogram('gen_ai.client.operation.time_to_first_chunk');
    assert.equal(firstChunk?.dataPoints[0]?.value.count, 1, 'one stream, one first chunk');
  });

  it('client-chosen model names are bounded in metric attributes', async () => {
    for (let index = 0; index < 60; index++)
      await send(`${ferry.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...chat, model: `invented-model-${index}` }),
      });
    const duration = await histogram('gen_ai.client.operation.duration');
    const models = new Set(duration?.dataPoints.map((entry) => entry.attributes['gen_ai.request.model']));
    assert.ok(models.has('other'));
    assert.ok(models.size <= 50 + 1 + 10, `${models.size} distinct models`);
  });
});
