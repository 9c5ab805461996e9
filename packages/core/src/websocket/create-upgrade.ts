import type { Logger } from 'pino';
import type WebSocket from 'ws';
import { errorAnswer, GatewayError, toGatewayError } from '../errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import { methodNotAllowed, routeNotFound } from '../route-errors.js';
import type { Route } from '../routes.js';
import { type ResponseSettlement, settleResponse } from '../streaming/settle-response.js';
import type { GatewayRequest, GatewayResponse, Handler } from '../types.js';
import { ChatSocketSession } from './chat-socket-session.js';
import { chatSocketRoute } from './open-upstream-socket.js';
import { RelaySession } from './relay-session.js';
import { UpgradeGatewayRequest } from './upgrade-gateway-request.js';
import { readUpgradeOffer } from './upgrade-request.js';
import { WebSocketContext } from './websocket-context.js';
import type { ResolvedWebSocketOptions, WebSocketOptions } from './websocket-options.js';

/** The WebSocket endpoints below the API base. */
export const websocketRoutes: readonly Route[] = [
  { name: 'realtime', method: 'GET', path: '/realtime', json: false, websocket: true },
  { name: 'responses.websocket', method: 'GET', path: '/responses', json: false, websocket: true },
  { name: chatSocketRoute, method: 'GET', path: '/chat/completions', json: false, websocket: true },
];

/** The gateway refused the upgrade: answer `response` as plain HTTP (no 101) and close. */
export interface UpgradeRefused {
  accepted: false;
  response: GatewayResponse;
}

/** The gateway took the session: finish the client's handshake, then hand over its socket. */
export interface UpgradeAccepted {
  accepted: true;
  /** The subprotocol to echo (`realtime` when offered), or undefined for none. */
  protocol: string | undefined;
  /** Headers for the 101 (`x-request-id`, rate-limit fields). */
  headers: Record<string, string>;
  /** Largest client frame to accept. */
  maxPayloadBytes: number;
  /** Starts relaying between the client's socket and the upstream's. */
  attach(client: WebSocket): void;
  /** The client's handshake could not be finished: the upstream is closed, the session settles. */
  abandon(): void;
}

/** What `gateway.upgrade` decided; the Node bridge (`handleNodeUpgrade`) acts on it. */
export type UpgradeOutcome = UpgradeRefused | UpgradeAccepted;

interface UpgradeDependencies {
  basePath: string;
  options: WebSocketOptions;
  pipeline: Handler;
  settlement: ResponseSettlement;
  events: GatewayEvents;
  logger: Logger;
  requestId(request: GatewayRequest): string;
  /** The gateway's own `handle`: Chat Completions over WebSocket sends each request through it. */
  handle(request: GatewayRequest): Promise<GatewayResponse>;
}

/**
 * The gateway's WebSocket entry. A session is one request to the pipeline: the same
 * authentication (the subprotocol key becomes `authorization`), admission (a concurrency slot
 * for the session's lifetime), budgets, token reservation, routing, retry and breaker; its end
 * opens the upstream's WebSocket. Every refusal (ours or the upstream's handshake status)
 * comes back before any 101 as an HTTP answer with an OpenAI-shaped body. The session settles
 * once, when it ends, with its summed usage.
 * @internal
 */
export function createUpgrade({
  basePath,
  options,
  pipeline,
  settlement,
  events,
  logger,
  requestId,
  handle,
}: UpgradeDependencies) {
  const sessions = new Set<RelaySession>();
  const refuse = (context: WebSocketContext, error: GatewayError): UpgradeRefused => ({
    accepted: false,
    response: settleResponse(settlement, context, errorAnswer(error), error),
  });

  async function upgrade(request: GatewayRequest): Promise<UpgradeOutcome> {
    const startedAt = performance.now();
    const relative = request.path.startsWith(`${basePath}/`)
      ? request.path.slice(basePath.length)
      : undefined;
    const route = options === false ? undefined : websocketRoutes.find((entry) => entry.path === relative);
    const offer = readUpgradeOffer(request.headers);
    const context = new WebSocketContext(
      new UpgradeGatewayRequest(request, offer.headers),
      requestId(request),
      route ?? { name: 'unknown', method: 'GET', path: '', json: false, websocket: true },
      startedAt,
      offer,
    );
    if (events.wants('request:start')) events.emit('request:start', { context });
    if (route === undefined || options === false) return refuse(context, routeNotFound(request));
    if (request.method !== 'GET') return refuse(context, methodNotAllowed(request, 'GET'));
    // The Realtime model is in the URL; the Responses mode names it in each `response.create`.
    const model =
      route.name === 'realtime' ? (new URLSearchParams(request.query).get('model') ?? undefined) : undefined;
    context.model = model;
    context.record.model = model;
    context.record.stream = true;
    // The budget, token and filter policies act on a body; a session's is its model.
    context.body = model === undefined ? {} : { model };
    let response: GatewayResponse;
    try {
      if (request.failure !== undefined) throw request.failure;
      response = await pipeline(context);
    } catch (thrown) {
      return refuse(context, toGatewayError(thrown));
    }
    if (route.name === chatSocketRoute && response.status === 101)
      return acceptChatSocket(
        context,
        request,
        options,
        handle,
        settleResponse(settlement, context, response, undefined),
      );
    const upstreamSocket = context.upstreamSocket;
    if (response.status !== 101 || upstreamSocket === undefined) {
      upstreamSocket?.terminate();
      return { accepted: false, response: settleResponse(settlement, context, response, undefined) };
    }
    const headers: Record<string, string> = { ...context.responseHeaders, 'x-request-id': context.requestId };
    let started = false;
    const finish = (session: RelaySession | undefined, failure: GatewayError | undefined) => {
      const settle = () =>
        settleResponse(settlement, context, { status: 101, headers: {}, body: undefined }, failure);
      if (session === undefined) {
        settle();
        return;
      }
      sessions.delete(session);
      session.usage.total(context.model).then(
        (usage) => {
          context.usage = usage;
          settle();
        },
        (error: unknown) => {
          logger.error({ requestId: context.requestId, err: error }, 'a session could not be counted');
          settle();
        },
      );
    };
    return {
      accepted: true,
      protocol: offer.echo,
      headers,
      maxPayloadBytes: options.maxPayloadBytes,
      attach(client) {
        if (started) return;
        started = true;
        const session: RelaySession = new RelaySession(client, upstreamSocket, context, options, (failure) =>
          finish(session, failure),
        );
        sessions.add(session);
        session.start();
      },
      abandon() {
        if (started) return;
        started = true;
        upstreamSocket.terminate();
        context.usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0, source: 'upstream' };
        finish(undefined, new GatewayError('client_closed_request', 'The client left during the handshake.'));
      },
    };
  }

  function acceptChatSocket(
    context: WebSocketContext,
    request: GatewayRequest,
    settings: ResolvedWebSocketOptions,
    handleTurn: (turn: GatewayRequest) => Promise<GatewayResponse>,
    settled: GatewayResponse,
  ): UpgradeAccepted {
    // Each request is a request of its own (id, limits, log line); the socket's was the handshake.
    const {
      'x-request-id': _socketId,
      connection: _connection,
      upgrade: _upgrade,
      ...turnHeaders
    } = context.request.headers;
    return {
      accepted: true,
      protocol: context.offer.echo,
      headers: { ...settled.headers },
      maxPayloadBytes: settings.maxPayloadBytes,
      attach(client) {
        new ChatSocketSession(
          client,
          handleTurn,
          `${basePath}/chat/completions`,
          turnHeaders,
          request.remoteAddress,
          {
            maxInFlight: settings.maxInFlight,
            highWaterMarkBytes: settings.highWaterMarkBytes,
          },
        ).start();
      },
      abandon() {},
    };
  }

  return {
    upgrade,
    /** Closes every open session with 1001 (the gateway is shutting down). */
    close() {
      for (const session of sessions) session.shutdown('gateway shutting down');
    },
  };
}
