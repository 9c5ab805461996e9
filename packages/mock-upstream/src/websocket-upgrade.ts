import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Fault } from './fault.js';
import type { FaultRegistry } from './fault-registry.js';
import { closeWith, MockSocket } from './mock-socket.js';
import { faultErrorBody, invalidApiKeyBody, invalidRequestBody, unknownUrlBody } from './openai-errors.js';
import type { ResolvedOptions } from './options.js';
import { RealtimeSession } from './realtime-session.js';
import { InvalidKnobError, type RequestSettings, readRequestSettings } from './request-settings.js';
import { ResponsesSocket } from './responses-socket.js';
import type { RecordedSocket, SocketRecorder } from './socket-recorder.js';

/**
 * What the WebSocket side shares with the HTTP side of one mock server.
 *
 * @example
 * const state: WebSocketState = { options, faults, recorder: new SocketRecorder() };
 */
export interface WebSocketState {
  readonly options: ResolvedOptions;
  readonly faults: FaultRegistry;
  readonly recorder: SocketRecorder;
  /** Called once per accepted upgrade, so `reset()` knows which socket ids came before it. */
  onAccepted(): void;
}

// Well above the 3.4 MB audio events that occur in Realtime sessions, as OpenAI accepts them.
const maxPayloadBytes = 64 * 1024 * 1024;
const faultModelPrefix = 'mock-fault:';
const keyProtocolPrefix = 'openai-insecure-api-key.';

interface Plan {
  kind: 'realtime' | 'responses';
  model: string;
  settings: RequestSettings;
  fault: Fault | undefined;
}

/**
 * Serves WebSocket upgrades on `server`: Realtime GA at `GET /v1/realtime?model=…` and the
 * Responses WebSocket mode at `GET /v1/responses`. Authentication (Bearer or the browser
 * subprotocol key) and upgrade faults (`status=`, `reset-before-headers`,
 * `stall-before-headers`) are decided before the 101. Returns `close()`, which ends every
 * socket, stalled upgrades included.
 *
 * @example
 * const webSockets = attachWebSockets(server, () => state);
 * webSockets.close();
 */
export function attachWebSockets(server: Server, state: () => WebSocketState): { close(): void } {
  // `realtime` is echoed when offered, as OpenAI does; the key subprotocol never is.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxPayloadBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });
  const pending = new Set<Duplex>();
  let arrivals = 0;
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    // A client that resets mid-handshake must not crash the mock.
    socket.on('error', () => {});
    const current = state();
    const plan = planUpgrade(current, request, socket);
    if (plan === undefined) return;
    wss.handleUpgrade(request, socket, head, (ws) => {
      pending.delete(socket);
      arrivals += 1;
      const id = arrivals;
      current.onAccepted();
      const mockSocket = new MockSocket(ws, socket);
      const recorded = record(current, id, request, ws);
      if (betaRequested(request)) {
        // The beta shape is gone: OpenAI accepts the upgrade, then refuses with an event and 4000.
        mockSocket.send(
          JSON.stringify({
            type: 'error',
            event_id: `event_mock_${id}_0`,
            error: {
              type: 'invalid_request_error',
              code: 'beta_api_shape_disabled',
              message:
                'The beta Realtime API shape is no longer supported. Remove the OpenAI-Beta: realtime=v1 header to use the GA interface.',
              param: null,
              event_id: null,
            },
          }),
        );
        ws.close(4000, 'beta_api_shape_disabled');
        return;
      }
      const claimFault = (spec: string) => current.faults.claim(spec);
      const session =
        plan.kind === 'realtime'
          ? new RealtimeSession(mockSocket, {
              id,
              model: plan.model,
              settings: plan.settings,
              fault: plan.fault,
              claimFault,
            })
          : new ResponsesSocket(mockSocket, { id, settings: plan.settings, fault: plan.fault, claimFault });
      ws.on('message', (data, isBinary) => {
        const text = data.toString();
        if (recorded !== undefined) recorded.received.push(parseOrText(text));
        session.receive(text, isBinary);
      });
      if (session instanceof RealtimeSession) session.open();
      const limitMs = current.options.webSocketLimitMs;
      mockSocket.wait(limitMs).then((open) => {
        if (!open) return;
        if (session instanceof ResponsesSocket) session.expire(limitMs);
        else expireRealtime(mockSocket, id, limitMs);
        ws.close(1000, 'connection limit reached');
      });
      const fault = plan.fault;
      if (
        fault?.closeCode !== undefined &&
        fault.resetAfter === undefined &&
        fault.stallAfter === undefined
      ) {
        closeWith(ws, fault.closeCode);
      }
    });
  });
  return {
    close: () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of pending) socket.destroy();
      wss.close();
    },
  };
}

/** Decides the upgrade: undefined when it was refused (the socket is answered or held). */
function planUpgrade(state: WebSocketState, request: IncomingMessage, socket: Duplex): Plan | undefined {
  const { options } = state;
  const url = new URL(request.url ?? '/', 'http://mock.invalid');
  const kind =
    url.pathname === '/v1/realtime' ? 'realtime' : url.pathname === '/v1/responses' ? 'responses' : undefined;
  if (kind === undefined) {
    refuse(socket, 404, unknownUrlBody(request.method ?? 'GET', url.pathname));
    return undefined;
  }
  if (options.apiKey !== undefined && !authorised(request, options.apiKey)) {
    refuse(socket, 401, invalidApiKeyBody);
    return undefined;
  }
  const model = url.searchParams.get('model') ?? '';
  if (kind === 'realtime' && model === '') {
    refuse(
      socket,
      400,
      invalidRequestBody("Missing required parameter: 'model'.", 'missing_required_parameter', 'model'),
    );
    return undefined;
  }
  let settings: RequestSettings;
  let fault: Fault | undefined;
  try {
    settings = readRequestSettings(request.headers, options);
    const header = request.headers['x-mock-fault'];
    const spec =
      header !== undefined
        ? Array.isArray(header)
          ? header.join(';')
          : header
        : model.startsWith(faultModelPrefix)
          ? model.slice(faultModelPrefix.length)
          : undefined;
    fault = spec === undefined ? undefined : state.faults.claim(spec);
    if (fault?.trickleMs !== undefined || fault?.splitBytes !== undefined) {
      throw new SyntaxError(
        'mock fault items trickle and split apply to HTTP bodies, not to WebSocket frames',
      );
    }
  } catch (error) {
    const code = error instanceof InvalidKnobError ? 'invalid_mock_header' : 'invalid_mock_fault';
    refuse(socket, 400, invalidRequestBody(error instanceof Error ? error.message : String(error), code));
    return undefined;
  }
  if (fault?.resetBeforeHeaders) {
    (socket as Duplex & { resetAndDestroy?: () => void }).resetAndDestroy?.();
    return undefined;
  }
  if (fault?.stallBeforeHeaders) return undefined; // Held open until the client gives up or close().
  if (fault?.status !== undefined) {
    const headers: string[] = [];
    if (fault.retryAfter !== undefined) headers.push(`retry-after: ${fault.retryAfter}`);
    if (fault.retryAfterMs !== undefined) headers.push(`retry-after-ms: ${fault.retryAfterMs}`);
    refuse(socket, fault.status, faultErrorBody(fault.status), headers);
    return undefined;
  }
  return { kind, model: model.startsWith(faultModelPrefix) ? 'gpt-realtime' : model, settings, fault };
}

function authorised(request: IncomingMessage, apiKey: string): boolean {
  if (request.headers.authorization === `Bearer ${apiKey}`) return true;
  const offered = request.headers['sec-websocket-protocol'];
  if (offered === undefined) return false;
  return offered.split(',').some((protocol) => protocol.trim() === `${keyProtocolPrefix}${apiKey}`);
}

function betaRequested(request: IncomingMessage): boolean {
  const beta = request.headers['openai-beta'];
  const value = Array.isArray(beta) ? beta.join(',') : (beta ?? '');
  return /(^|,)\s*realtime=v1\s*(,|$)/i.test(value);
}

/** Answers an upgrade with a plain HTTP error response, so the client sees a status and a body, not a 1006. */
function refuse(socket: Duplex, status: number, body: string, headers: string[] = []): void {
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...headers,
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function expireRealtime(socket: MockSocket, id: number, limitMs: number): void {
  socket.send(
    JSON.stringify({
      type: 'error',
      event_id: `event_mock_${id}_expired`,
      error: {
        type: 'invalid_request_error',
        code: 'session_expired',
        message: `Your session hit the maximum duration of ${Math.round(limitMs / 60_000)} minutes.`,
        param: null,
        event_id: null,
      },
    }),
  );
}

function record(
  state: WebSocketState,
  id: number,
  request: IncomingMessage,
  ws: WebSocket,
): RecordedSocket | undefined {
  const { options, recorder } = state;
  if (!options.record && !recorder.hasWaiters) return undefined;
  const offered = request.headers['sec-websocket-protocol'];
  const recorded: RecordedSocket = {
    id,
    path: request.url ?? '/',
    headers: request.headers,
    protocols: offered === undefined ? [] : offered.split(',').map((protocol) => protocol.trim()),
    received: [],
    closed: new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: performance.now() }));
    }),
  };
  recorder.add(recorded, options.record);
  return recorded;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
