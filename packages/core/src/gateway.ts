import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { errorBody, type GatewayError, toGatewayError } from './errors.js';
import { createLogger } from './logger.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import { createMetricsEndpoint } from './metrics/metrics-endpoint.js';
import { metricsSetup } from './metrics/metrics-setup.js';
import { type GatewayOptions, type ResolvedOptions, resolveOptions, upstreamList } from './options.js';
import { buildPolicies, type InternalRouteHandler } from './pipeline.js';
import { compose } from './policies/compose.js';
import { RequestContext } from './request-context.js';
import { methodNotAllowed, routeNotFound } from './route-errors.js';
import { createRouteTable, type Route } from './routes.js';
import { createStores, type GatewayStores } from './stores/create-store.js';
import { relayBody } from './streaming/relay.js';
import { createUsageTap } from './streaming/usage-tap.js';
import type { GatewayContext, GatewayRequest, GatewayResponse, Usage } from './types.js';
import { createForwarder } from './upstream/forward.js';
import { createUpstream, type Upstream } from './upstream/upstream.js';

/** A running gateway: framework-agnostic, driven by the Node bridge or by any caller. */
export interface Gateway {
  /** Answers one request; never rejects (failures become OpenAI-shaped error responses). */
  handle(request: GatewayRequest): Promise<GatewayResponse>;
  /** True for paths inside the gateway's API base; adapters pass everything else on. */
  owns(path: string): boolean;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly upstreams: readonly Upstream[];
  /** Shared state (memory, or Redis when `redis` is configured). */
  readonly stores: GatewayStores;
  /** Prometheus metrics when `metrics` is configured (for a host app's own `/metrics`), else undefined. */
  readonly metrics: GatewayMetrics | undefined;
  /** Resolves when the gateway's connections (Redis) are up; a starter awaits it before listening. */
  ready(): Promise<void>;
  /** Closes the upstream pools and stores (in-flight requests finish first). */
  close(): Promise<void>;
}

const requestIdPattern = /^[\w.:@/+=-]{1,128}$/;
// Generated ids: a random per-process prefix and a counter — unique without a UUID per request.
const requestIdPrefix = `${randomBytes(6).toString('base64url')}-`;
let requestCounter = 0;
const newRequestId = () => requestIdPrefix + (++requestCounter).toString(36);
const placeholderRoute: Route = { name: 'unknown', method: 'GET', path: '', json: false };

/**
 * Creates a gateway from options, validated once here.
 *
 * @example
 * const gateway = createGateway({
 *   upstream: { url: 'https://api.openai.com/v1', apiKey: process.env.OPENAI_API_KEY },
 *   clientKeys: ['sk-my-service'],
 * });
 * const response = await gateway.handle(request);
 */
export function createGateway(gatewayOptions: GatewayOptions): Gateway {
  const options = resolveOptions(gatewayOptions);
  const logger = createLogger(options.logger);
  const routes = createRouteTable(options.basePath, options.allowedPaths);
  const upstreams = upstreamList(options).map((upstream) => createUpstream(upstream, options));

  if (options.clientKeys.length === 0 && options.clients.length === 0 && options.signing?.required !== true) {
    logger.warn('no client keys configured: the gateway accepts every caller (set clientKeys)');
  }
  const stores = createStores(options.redis);
  const closers: Array<() => Promise<void> | void> = [];
  // Ferry's own endpoints below the API base (`GET /v1/ferry/usage`), answered outside the pipeline.
  const internalRoutes = new Map<string, InternalRouteHandler>();
  const addInternalRoute = (method: 'GET' | 'POST', path: string, handler: InternalRouteHandler) => {
    internalRoutes.set(`${method} ${options.basePath}${path}`, handler);
  };
  // Off unless configured: a gateway without `metrics` runs no metric code at all.
  const metricsOptions = options.metrics;
  const metrics = metricsOptions && createGatewayMetrics(metricsOptions, metricsSetup(options));
  if (metrics !== undefined && metricsOptions?.path) {
    const adminKey = metricsOptions.adminKey ?? options.usageEndpoint?.adminKey;
    if (adminKey === undefined)
      logger.warn('the metrics endpoint answers without an admin key (set metrics.adminKey)');
    addInternalRoute('GET', metricsOptions.path, createMetricsEndpoint(metrics.exposed, adminKey));
  }
  const policies = buildPolicies({
    options,
    logger,
    upstreams,
    stores,
    onClose: (close) => closers.push(close),
    addInternalRoute,
    metrics,
  });
  const forward = createForwarder(options.basePath);
  const pipeline = compose(policies, metrics === undefined ? forward : metrics.timeFirstByte(forward));

  const onUsage = options.onUsage;
  // The callback is the embedding service's code: its failure must not cut a finished answer.
  const reportUsage = (usage: Usage, context: GatewayContext) => {
    if (onUsage === undefined) return;
    try {
      onUsage(usage, context);
    } catch (error) {
      logger.error({ requestId: context.requestId, err: error }, 'onUsage callback threw');
    }
  };
  const logRequest = (context: GatewayContext, status: number, error: GatewayError | undefined) => {
    metrics?.ended(context, status, error);
    if (!logger.isLevelEnabled(error === undefined ? 'info' : 'warn')) return;
    const fields = context.log;
    fields.requestId = context.requestId;
    fields.method = context.request.method;
    fields.path = context.request.path;
    fields.route = context.route.name;
    fields.status = status;
    fields.durationMs = round(performance.now() - context.startedAt);
    fields.upstreamMs = round(context.upstreamWaitMs);
    if (context.usage !== undefined) fields.usage = context.usage;
    if (error !== undefined) {
      fields.error = error.code;
      logger.warn(fields, 'request failed');
    } else {
      logger.info(fields, 'request');
    }
  };

  // Usage is read only when someone uses it: the log line, `onUsage`, metrics, or a policy
  // that observes this response (token limits, budgets settle against it).
  const wantsUsage = (context: GatewayContext) =>
    onUsage !== undefined ||
    metrics !== undefined ||
    context.taps.length > 0 ||
    logger.isLevelEnabled('info');

  const finish = (context: GatewayContext, response: GatewayResponse, error?: GatewayError) => {
    const headers = response.headers;
    Object.assign(headers, context.responseHeaders);
    headers['x-request-id'] = context.requestId;
    const overheadMs = performance.now() - context.startedAt - context.upstreamWaitMs;
    headers['server-timing'] = `gateway;dur=${round(overheadMs)}`;
    metrics?.overhead(overheadMs);
    const body = response.body;
    if (body === undefined || body instanceof Uint8Array) {
      logRequest(context, response.status, error);
      return response;
    }
    if (context.route.json && response.status < 400 && wantsUsage(context)) {
      // First, so every other tap's `end` already sees `context.usage`.
      context.taps.unshift(createUsageTap(context, (usage) => reportUsage(usage, context)));
    }
    const eventStream = headers['content-type']?.startsWith('text/event-stream') === true;
    let relayed: AsyncIterable<Uint8Array> = relayBody(body, context, eventStream, (failure) =>
      logRequest(context, response.status, failure),
    );
    if (context.transforms.length > 0) {
      delete headers['content-length'];
      for (const transform of context.transforms) relayed = transform(relayed);
    }
    response.body = relayed;
    return response;
  };

  return {
    options,
    logger,
    upstreams,
    stores,
    metrics: metrics?.exposed,
    owns: routes.owns,
    ready: () => stores.ready(options.redis?.connectTimeoutMs ?? 5_000),
    async handle(request) {
      const startedAt = performance.now();
      metrics?.started();
      const match = routes.match(request.method, request.path);
      const presentedId = request.headers['x-request-id'];
      const context = new RequestContext(
        request,
        typeof presentedId === 'string' && requestIdPattern.test(presentedId) ? presentedId : newRequestId(),
        match.kind === 'route' ? match.route : placeholderRoute,
        startedAt,
      );
      try {
        if (request.failure !== undefined) throw request.failure;
        if (match.kind === 'unknown') {
          const internal = internalRoutes.get(`${request.method} ${request.path}`);
          if (internal === undefined) throw routeNotFound(request);
          return finish(context, await internal(request));
        }
        if (match.kind === 'wrong-method') throw methodNotAllowed(request, match.allowed);
        return finish(context, await pipeline(context));
      } catch (thrown) {
        const error = toGatewayError(thrown);
        const headers: Record<string, string> = { 'content-type': 'application/json', ...error.headers };
        return finish(context, { status: error.status, headers, body: errorBody(error) }, error);
      }
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await Promise.all(upstreams.map((upstream) => upstream.pool.close()));
      await stores.close();
    },
  };
}

const round = (milliseconds: number) => Math.round(milliseconds * 100) / 100;
