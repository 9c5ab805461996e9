import type { Attributes, Context, Histogram, Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { GatewayEventMap, GatewayEvents } from '../events/gateway-events.js';
import type { GatewayContext, Policy } from '../types.js';
import type { OtelApi } from './load-otel-api.js';
import {
  firstChunkBuckets,
  operationDurationBuckets,
  type ResolvedOpenTelemetryOptions,
  tokenUsageBuckets,
} from './telemetry-options.js';

/** `gen_ai.operation.name` per route; other routes (models, files, Ferry's own) get no span. */
const operations: Readonly<Record<string, string>> = {
  'chat.completions': 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  responses: 'chat',
};

/** The per-request state, on `context.telemetry`. */
interface RequestTelemetry {
  operation: string;
  span: Span | undefined;
  spanContext: Context;
  attempts: number;
  firstUpstream: string | undefined;
  finishReasons: string[] | undefined;
  firstChunkMs: number | undefined;
}

const headerGetter: TextMapGetter<GatewayContext['request']['headers']> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const finishReasonMarker = Buffer.from('"finish_reason":"');

/**
 * Ferry's OpenTelemetry instrumentation, derived from the events like the metrics: a SERVER
 * span per generative request (`chat gpt-4o`), a CLIENT span per upstream attempt whose trace
 * context goes upstream in `traceparent`, and the `gen_ai.client.*` histograms.
 *
 * @example
 * const telemetry = createGatewayTelemetry(api, options.openTelemetry, modelLabel);
 * telemetry.subscribe(events);
 * policies.pace = telemetry.attemptPolicy;
 */
export function createGatewayTelemetry(
  api: OtelApi,
  settings: ResolvedOpenTelemetryOptions,
  modelLabel: (model: string | undefined) => string,
) {
  const tracer = settings.traces ? api.trace.getTracer(settings.scope) : undefined;
  const meter = settings.metrics ? api.metrics.getMeter(settings.scope) : undefined;
  const duration: Histogram | undefined = meter?.createHistogram('gen_ai.client.operation.duration', {
    description: 'GenAI operation duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: operationDurationBuckets },
  });
  const tokens: Histogram | undefined = meter?.createHistogram('gen_ai.client.token.usage', {
    description: 'Number of input and output tokens used.',
    unit: '{token}',
    advice: { explicitBucketBoundaries: tokenUsageBuckets },
  });
  const firstChunk: Histogram | undefined = meter?.createHistogram(
    'gen_ai.client.operation.time_to_first_chunk',
    {
      description: 'Time to receive the first chunk of a streamed answer.',
      unit: 's',
      advice: { explicitBucketBoundaries: firstChunkBuckets },
    },
  );
  const provider = settings.providerName;
  // Parsed once per upstream (and per key or deployment variant), not per attempt.
  const servers = new WeakMap<object, { address: string; port: number }>();
  const serverOf = (upstream: { origin: string }) => {
    let server = servers.get(upstream);
    if (server === undefined) {
      const origin = new URL(upstream.origin);
      server = {
        address: origin.hostname,
        port: Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80),
      };
      servers.set(upstream, server);
    }
    return server;
  };

  /** The parent: the host app's active span (its HTTP instrumentation), else the client's `traceparent`. */
  const parentOf = (context: GatewayContext): Context => {
    const active = api.context.active();
    if (api.trace.getSpan(active) !== undefined) return active;
    const extracted = api.propagation.extract(active, context.request.headers, headerGetter);
    if (api.trace.getSpan(extracted) !== undefined) return extracted;
    // No propagator registered (a bare API): W3C trace context is read by hand.
    const header = context.request.headers.traceparent;
    const match = typeof header === 'string' ? traceparentPattern.exec(header) : null;
    if (match === null || /^0+$/.test(match[1] as string) || /^0+$/.test(match[2] as string)) return active;
    return api.trace.setSpanContext(active, {
      traceId: match[1] as string,
      spanId: match[2] as string,
      traceFlags: Number.parseInt(match[3] as string, 16) & 1,
      isRemote: true,
    });
  };

  const started = ({ context }: GatewayEventMap['request:start']) => {
    const operation = operations[context.route.name];
    if (operation === undefined) return;
    const parent = parentOf(context);
    const span = tracer?.startSpan(
      operation,
      {
        kind: api.SpanKind.SERVER,
        attributes: { 'gen_ai.operation.name': operation, 'gen_ai.provider.name': provider },
      },
      parent,
    );
    const state: RequestTelemetry = {
      operation,
      span,
      spanContext: span === undefined ? parent : api.trace.setSpan(parent, span),
      attempts: 0,
      firstUpstream: undefined,
      finishReasons: undefined,
      firstChunkMs: undefined,
    };
    context.telemetry = state;
    // Pushed before any attempt: it stays on the relayed body (discarded attempts end only their own taps).
    context.taps.push({
      chunk(bytes) {
        if (state.firstChunkMs === undefined) state.firstChunkMs = performance.now() - context.startedAt;
        collectFinishReasons(bytes, state);
      },
    });
  };

  const ended = ({ context, status, error, usage, durationMs }: GatewayEventMap['request:end']) => {
    const state = context.telemetry as RequestTelemetry | undefined;
    if (state === undefined) return;
    const requestModel = context.record.model ?? context.model;
    const responseModel = context.record.upstreamModel ?? context.model;
    const errorType = error?.code ?? (status >= 400 ? String(status) : undefined);
    const span = state.span;
    if (span !== undefined) {
      span.updateName(requestModel === undefined ? state.operation : `${state.operation} ${requestModel}`);
      const attributes: Attributes = { 'http.response.status_code': status };
      if (requestModel !== undefined) attributes['gen_ai.request.model'] = requestModel;
      if (responseModel !== undefined) attributes['gen_ai.response.model'] = responseModel;
      if (usage !== undefined) {
        attributes['gen_ai.usage.input_tokens'] = usage.promptTokens;
        attributes['gen_ai.usage.output_tokens'] = usage.completionTokens;
      }
      if (state.finishReasons !== undefined)
        attributes['gen_ai.response.finish_reasons'] = state.finishReasons;
      if (context.record.upstream !== undefined) attributes['ferry.upstream'] = context.record.upstream;
      if (context.record.fellBack) attributes['ferry.fallback'] = true;
      if (context.record.degraded) attributes['ferry.degraded'] = true;
      if (errorType !== undefined) {
        attributes['error.type'] = errorType;
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorType });
      }
      span.setAttributes(attributes);
      span.end();
    }
    if (duration === undefined) return;
    const metricAttributes: Attributes = {
      'gen_ai.operation.name': state.operation,
      'gen_ai.provider.name': provider,
      'gen_ai.request.model': modelLabel(requestModel),
    };
    if (responseModel !== undefined) metricAttributes['gen_ai.response.model'] = modelLabel(responseModel);
    if (errorType !== undefined) metricAttributes['error.type'] = errorType;
    duration.record(durationMs / 1_000, metricAttributes);
    if (usage !== undefined && errorType === undefined) {
      tokens?.record(usage.promptTokens, { ...metricAttributes, 'gen_ai.token.type': 'input' });
      tokens?.record(usage.completionTokens, { ...metricAttributes, 'gen_ai.token.type': 'output' });
    }
    if (context.stream && state.firstChunkMs !== undefined && errorType === undefined)
      firstChunk?.record(state.firstChunkMs / 1_000, metricAttributes);
  };

  /**
   * Innermost policy: a CLIENT span per upstream attempt (after pacing, so its wait is not the
   * upstream's), ended at the response headers, and its trace context on the upstream request.
   */
  const attemptPolicy: Policy = (next) => async (context) => {
    const state = context.telemetry as RequestTelemetry | undefined;
    const upstream = context.upstream;
    if (state === undefined || tracer === undefined || upstream === undefined) return next(context);
    state.attempts++;
    state.firstUpstream ??= upstream.name;
    const model = context.model;
    const server = serverOf(upstream);
    const attributes: Attributes = {
      'gen_ai.operation.name': state.operation,
      'gen_ai.provider.name': provider,
      'server.address': server.address,
      'server.port': server.port,
      'ferry.upstream': upstream.name,
      'ferry.attempt': state.attempts,
      'ferry.retry': state.attempts > 1 && state.firstUpstream === upstream.name,
      'ferry.fallback': state.firstUpstream !== upstream.name,
    };
    if (model !== undefined) attributes['gen_ai.request.model'] = model;
    const span = tracer.startSpan(
      model === undefined ? state.operation : `${state.operation} ${model}`,
      { kind: api.SpanKind.CLIENT, attributes },
      state.spanContext,
    );
    const carrier: Record<string, string> = {};
    api.propagation.inject(api.trace.setSpan(state.spanContext, span), carrier, headerSetter);
    if (carrier.traceparent === undefined) {
      const { traceId, spanId, traceFlags } = span.spanContext();
      carrier.traceparent = `00-${traceId}-${spanId}-0${traceFlags & 1}`;
    }
    context.upstreamHeaders = carrier;
    try {
      const response = await next(context);
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 400) {
        span.setAttribute('error.type', String(response.status));
        span.setStatus({ code: api.SpanStatusCode.ERROR });
      }
      return response;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const type = typeof code === 'string' ? code : '_OTHER';
      span.setAttribute('error.type', type);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: type });
      throw error;
    } finally {
      context.upstreamHeaders = undefined;
      span.end();
    }
  };

  return {
    attemptPolicy,
    subscribe(events: GatewayEvents): Array<() => void> {
      return [events.on('request:start', started), events.on('request:end', ended)];
    },
  };
}

/** Finds `"finish_reason":"<reason>"` in a chunk of the upstream's bytes (no decoding, no JSON parse). */
function collectFinishReasons(bytes: Uint8Array, state: RequestTelemetry): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = buffer.indexOf(finishReasonMarker);
  while (at !== -1) {
    const start = at + finishReasonMarker.length;
    const end = buffer.indexOf(0x22, start);
    if (end === -1 || end - start > 32) return;
    const reason = buffer.toString('latin1', start, end);
    if (/^[a-z_]+$/.test(reason)) {
      state.finishReasons ??= [];
      if (!state.finishReasons.includes(reason)) state.finishReasons.push(reason);
    }
    at = buffer.indexOf(finishReasonMarker, end);
  }
}
