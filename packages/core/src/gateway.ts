import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createClientDirectory, scrubClientKeys } from './clients/client-directory.js';
import { errorAnswer, type GatewayError, toGatewayError } from './errors.js';
import { GatewayEvents } from './events/gateway-events.js';
import type { FeatureSetup, GatewayExtensions, InternalRouteHandler } from './feature.js';
import { builtInFeatures } from './features.js';
import { createLogger, logFlushIntervalMs, requestLineLogger } from './logger.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { type GatewayOptions, resolveOptions, upstreamList } from './options.js';
import { composeStages } from './policies/compose.js';
import { RateLimitExceededError } from './policies/rate-limit/rate-limit-error.js';
import { RequestContext } from './request-context.js';
import { methodNotAllowed, routeNotFound } from './route-errors.js';
import { createRouteTable, type Route } from './routes.js';
import { createStores, type GatewayStores } from './stores/create-store.js';
import { type ResponseSettlement, settleResponse } from './streaming/settle-response.js';
import type { GatewayContext, GatewayRequest, GatewayResponse, Upstream } from './types.js';
import { createForwarder } from './upstream/forward.js';
import { createUpstream } from './upstream/upstream.js';
import { createUpgrade, type UpgradeOutcome } from './websocket/create-upgrade.js';
import { openUpstreamSocket } from './websocket/open-upstream-socket.js';
import type { WebSocketContext } from './websocket/websocket-context.js';

/** A running gateway: framework-agnostic, driven by the Node bridge or by any caller. */
export interface Gateway {
  /** Answers one request; never rejects (failures become OpenAI-shaped error responses). */
  handle(request: GatewayRequest): Promise<GatewayResponse>;
  /**
   * Decides a WebSocket upgrade (`GET /v1/realtime`, `GET /v1/responses`): refused with an HTTP
   * answer, or accepted with the upstream's socket already open. Never rejects. The Node
   * bridge's `handleNodeUpgrade` finishes the handshake.
   */
  upgrade(request: GatewayRequest): Promise<UpgradeOutcome>;
  /** True for paths inside the gateway's API base; adapters pass everything else on. */
  owns(path: string): boolean;
  /** The API base the gateway owns inside its mount (`/v1`). */
  readonly basePath: string;
  /** Largest request body accepted (the bridge enforces it while reading). */
  readonly maxBodyBytes: number;
  /** Longest wait for a client that stopped reading (the bridge enforces it while writing). */
  readonly clientStallTimeoutMs: number;
  readonly logger: Logger;
  /**
   * Every fact about requests and the gateway, typed: `gateway.events.on('fallback', ...)`.
   * The same events go to `diagnostics_channel` as `ferry:<name>`.
   */
  readonly events: GatewayEvents;
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
const requestIdOf = (request: GatewayRequest) => {
  const presented = request.headers['x-request-id'];
  return typeof presented === 'string' && requestIdPattern.test(presented) ? presented : newRequestId();
};
const placeholderRoute: Route = { name: 'unknown', method: 'GET', path: '', json: false };

/** @internal What tests and Ferry's own packages may inspect; not part of the public surface. */
export interface GatewayInternals {
  upstreams: readonly Upstream[];
  stores: GatewayStores;
}
const internals = new WeakMap<Gateway, GatewayInternals>();
/** @internal */
export const gatewayInternals = (gateway: Gateway): GatewayInternals =>
  internals.get(gateway) as GatewayInternals;

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
  // The default logger buffers its lines (see createLogger); this bounds how long they wait.
  const flushTimer =
    options.logger === undefined ? setInterval(() => logger.flush(), logFlushIntervalMs).unref() : undefined;
  const lineLogger = requestLineLogger(logger, options.logger);
  const routes = createRouteTable(options.basePath, options.allowedPaths);
  const upstreams = upstreamList(options).map((upstream) => createUpstream(upstream, options));
  const clients = createClientDirectory(options.clientKeys, options.clients);
  // Hashed now: from here on the options hold only digests of the client keys.
  scrubClientKeys(options);

  if (clients.keyCount === 0 && options.signing?.required !== true) {
    logger.warn('no client keys configured: the gateway accepts every caller (set clientKeys)');
  }
  const stores = createStores(options.redis);
  const closers: Array<() => Promise<void> | void> = [];
  const gateway = {} as Gateway;
  const events = new GatewayEvents(gateway, (error, name) =>
    logger.error({ err: error, event: name }, 'a gateway event listener threw'),
  );
  const setup: FeatureSetup = {
    options,
    logger,
    upstreams,
    stores,
    events,
    clients,
    onClose: (close) => closers.push(close),
  };

  // Features, in list order; their policies are composed by stage (stages.ts), embedders' first.
  const staged = options.policies.map(({ stage, policy }) => ({ stage, policy }));
  // Ferry's own endpoints below the API base (`GET /v1/ferry/usage`), answered outside the pipeline.
  const internalRoutes = new Map<string, InternalRouteHandler>();
  const wildcardRoutes: Array<[prefix: string, suffix: string, InternalRouteHandler]> = [];
  const internalRoute = (key: string) =>
    internalRoutes.get(key) ??
    wildcardRoutes.find(
      ([prefix, suffix]) =>
        key.length > prefix.length + suffix.length &&
        key.startsWith(prefix) &&
        key.endsWith(suffix) &&
        !key.slice(prefix.length, key.length - suffix.length).includes('/'),
    )?.[2];
  const provided: Partial<GatewayExtensions> = {};
  for (const feature of builtInFeatures) {
    const contribution = feature.setup(setup);
    if (contribution === undefined) continue;
    for (const [stage, policy] of Object.entries(contribution.policies ?? {})) {
      if (!feature.stages.includes(stage as never))
        throw new Error(`Ferry feature "${feature.name}" added a policy at undeclared stage "${stage}"`);
      if (policy !== undefined) staged.push({ stage: stage as never, policy });
    }
    for (const route of contribution.routes ?? []) {
      const key = `${route.method} ${options.basePath}${route.path}`;
      // A `*` segment takes one segment (an id), read by its handler from the path.
      const star = key.indexOf('/*');
      if (star >= 0) wildcardRoutes.push([key.slice(0, star + 1), key.slice(star + 2), route.handler]);
      else internalRoutes.set(key, route.handler);
    }
    Object.assign(provided, contribution.provides);
  }
  const forward = createForwarder(options.basePath, events);
  const websocket = options.websocket;
  // WebSocket routes end in the upstream's handshake instead of an HTTP forward.
  const pipeline = composeStages(
    staged,
    websocket === false
      ? forward
      : (context) =>
          context.route.websocket === true
            ? openUpstreamSocket(context as WebSocketContext, options.basePath, websocket, events)
            : forward(context),
  );

  const onUsage = options.onUsage;
  const infoLogging = logger.isLevelEnabled('info');
  const settlement: ResponseSettlement = {
    events,
    // Usage is read only when someone uses it: the log line, `onUsage`, an event listener
    // (metrics), or a policy that settles against it (token limits, budgets).
    wantsUsage: (context) =>
      onUsage !== undefined ||
      infoLogging ||
      context.taps.length > 0 ||
      (context as RequestContext).settleListeners !== undefined ||
      events.wants('request:end'),
    settled(context, status, error, overheadMs) {
      const durationMs = performance.now() - context.startedAt;
      const usage = context.usage;
      if (usage !== undefined && onUsage !== undefined) {
        // The callback is the embedding service's code: its failure must not cut a finished answer.
        try {
          onUsage(usage, context);
        } catch (thrown) {
          logger.error({ requestId: context.requestId, err: thrown }, 'onUsage callback threw');
        }
      }
      if (error instanceof RateLimitExceededError && events.wants('limit:rejected'))
        events.emit('limit:rejected', { context, limit: error.limit });
      if (events.wants('request:end'))
        events.emit('request:end', { context, status, error, usage, durationMs, overheadMs });
      logRequest(context, status, error, durationMs);
    },
  };

  const logRequest = (
    context: GatewayContext,
    status: number,
    error: GatewayError | undefined,
    durationMs: number,
  ) => {
    if (!lineLogger.isLevelEnabled(error === undefined ? 'info' : 'warn')) return;
    const fields: Record<string, unknown> = {
      requestId: context.requestId,
      method: context.request.method,
      path: context.request.path,
      route: context.route.name,
      status,
      durationMs: round(durationMs),
      upstreamMs: round(context.upstreamWaitMs),
    };
    context.record.logFields(fields);
    if (context.usage !== undefined) fields.usage = context.usage;
    if (error !== undefined) {
      fields.error = error.code;
      lineLogger.warn(fields, 'request failed');
    } else {
      lineLogger.info(fields, 'request');
    }
  };

  const upgrades = createUpgrade({
    basePath: options.basePath,
    options: websocket,
    pipeline,
    settlement,
    events,
    logger,
    requestId: requestIdOf,
    handle: (request) => gateway.handle(request),
  });

  Object.assign(gateway, {
    basePath: options.basePath,
    maxBodyBytes: options.maxBodyBytes,
    clientStallTimeoutMs: options.clientStallTimeoutMs,
    logger,
    events,
    metrics: provided.metrics,
    owns: routes.owns,
    ready: () => stores.ready(),
    async handle(request: GatewayRequest): Promise<GatewayResponse> {
      const startedAt = performance.now();
      const match = routes.match(request.method, request.path);
      const context = new RequestContext(
        request,
        requestIdOf(request),
        match.kind === 'route' ? match.route : placeholderRoute,
        startedAt,
      );
      if (events.wants('request:start')) events.emit('request:start', { context });
      try {
        if (request.failure !== undefined) throw request.failure;
        if (match.kind === 'unknown') {
          const internal = internalRoute(`${request.method} ${request.path}`);
          if (internal === undefined) throw routeNotFound(request);
          return settleResponse(settlement, context, await internal(request), undefined);
        }
        if (match.kind === 'wrong-method') throw methodNotAllowed(request, match.allowed);
        return settleResponse(settlement, context, await pipeline(context), undefined);
      } catch (thrown) {
        const error = toGatewayError(thrown);
        const answer = errorAnswer(error);
        // A client of another API shape (Anthropic's, an envelope) gets the error in its shape.
        const rendered = await context.renderError?.(error);
        return settleResponse(
          settlement,
          context,
          rendered === undefined
            ? answer
            : { status: rendered.status, headers: answer.headers, body: rendered.body },
          error,
        );
      }
    },
    upgrade: upgrades.upgrade,
    async close() {
      upgrades.close();
      for (const close of closers.reverse()) await close();
      await Promise.all(upstreams.map((upstream) => upstream.pool.close()));
      await stores.close();
      if (flushTimer !== undefined) {
        clearInterval(flushTimer);
        logger.flush();
      }
    },
  } satisfies Gateway);
  internals.set(gateway, { upstreams, stores });
  return gateway;
}

const round = (milliseconds: number) => Math.round(milliseconds * 100) / 100;
