import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { GatewayError } from '../errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { GatewayContext, GatewayResponse, Upstream } from '../types.js';
import { clientResponseHeaders, upstreamRequestHeaders } from '../upstream/headers.js';
import { clientClosedRequest, upstreamFailure } from '../upstream/upstream-failure.js';
import type { EarlyFrames, WebSocketContext } from './websocket-context.js';
import type { ResolvedWebSocketOptions } from './websocket-options.js';

/** The route of Chat Completions over WebSocket. */
export const chatSocketRoute = 'chat.completions.websocket';

// The handshake is ours on each leg; the browser's origin means nothing to the upstream.
const dropUpstream: ReadonlySet<string> = new Set(['origin']);
// An upstream's refusal body is read up to this much (an OpenAI error is far smaller).
const maxRefusalBytes = 64 * 1024;

/**
 * The end of the pipeline for WebSocket routes: opens the upstream's WebSocket through the
 * upstream's own connector (so the address map, DoH, the private-address guard and the egress
 * proxy apply), with the upstream key and no client credentials. Resolves with a 101 once the
 * upstream accepted, keeping the socket on the context, paused until the client's side is up;
 * an upstream that answers the handshake with an HTTP status resolves with that status and
 * body, so retry, fallback and the breaker treat it like an HTTP answer. Nothing has been
 * sent to the client yet either way.
 */
export function openUpstreamSocket(
  context: WebSocketContext,
  basePath: string,
  options: ResolvedWebSocketOptions,
  events: GatewayEvents,
): Promise<GatewayResponse> {
  // Chat Completions over WebSocket has no upstream socket: each of its requests is an ordinary
  // HTTP request; the pipeline only admitted the socket itself.
  if (context.route.name === chatSocketRoute)
    return Promise.resolve({ status: 101, headers: {}, body: undefined });
  const upstream = context.upstream;
  if (upstream === undefined)
    return Promise.reject(new GatewayError('no_upstream', 'No upstream is available for this request.'));
  const { request } = context;
  const headers = upstreamRequestHeaders(request.headers, upstream, context.requestId, dropUpstream);
  const url = upstreamUrl(upstream, request.path.slice(basePath.length), request.query, context);
  const sentAt = performance.now();
  return new Promise<GatewayResponse>((resolve, reject) => {
    let done = false;
    const socket = new WebSocket(url, context.offer.protocols, {
      headers: headers as Record<string, string>,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      followRedirects: false,
      createConnection: ((_options: unknown, callback: (error: Error | null, socket?: Socket) => void) => {
        const target = new URL(url);
        upstream.connect(
          {
            hostname: target.hostname,
            host: target.host,
            protocol: target.protocol === 'wss:' ? 'https:' : 'http:',
            port: target.port,
            servername: undefined,
            localAddress: null,
            httpSocket: undefined,
          },
          (error, connected) => callback(error, connected as Socket | undefined),
        );
        return undefined;
      }) as never,
    });
    // ws's own handshakeTimeout relies on a socket timeout that a custom connection never
    // gets; one timer covers resolution, connect, TLS and the 101.
    const timer = setTimeout(() => {
      socket.terminate();
      finish(
        undefined,
        new GatewayError(
          'upstream_connect_timeout',
          `Connecting to the upstream "${upstream.name}" timed out.`,
        ),
      );
    }, options.connectTimeoutMs);
    const finish = (answer: GatewayResponse | undefined, failure: GatewayError | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const durationMs = performance.now() - sentAt;
      context.upstreamWaitMs += durationMs;
      context.record.upstreamStatus = answer?.status;
      if (events.wants('attempt'))
        events.emit('attempt', {
          context,
          upstream: upstream.name,
          status: answer?.status,
          error: failure,
          durationMs,
        });
      if (failure !== undefined) reject(failure);
      else resolve(answer as GatewayResponse);
    };
    context.onClientGone?.(() => {
      if (done) return;
      socket.terminate();
      finish(undefined, clientClosedRequest());
    });
    socket.once('open', () => {
      // Held until the client's handshake is done: what the upstream sends meanwhile stays in
      // its socket (and in the capped queue of the session), not lost.
      socket.pause();
      context.early = holdEarlyFrames(socket, options);
      context.upstreamSocket = socket;
      finish({ status: 101, headers: {}, body: undefined }, undefined);
    });
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      readRefusal(response).then((body) => {
        socket.terminate();
        const answerHeaders = clientResponseHeaders(response.headers, false);
        answerHeaders['content-type'] ??= 'application/json';
        finish({ status: response.statusCode ?? 502, headers: answerHeaders, body }, undefined);
      });
    });
    socket.on('error', (error) => {
      if (done) return;
      socket.terminate();
      finish(undefined, handshakeFailure(error, upstream.name, context.aborted));
    });
  });
}

/**
 * Keeps what the upstream sends before the client's handshake finished (`session.created`
 * arrives at once), up to `pendingFrames` / `pendingBytes`; beyond that the upstream is cut and
 * the session starts closed.
 */
function holdEarlyFrames(socket: WebSocket, options: ResolvedWebSocketOptions): EarlyFrames {
  const onMessage = (data: Buffer, binary: boolean) => {
    early.frames.push({ data, binary });
    early.bytes += data.length;
    if (early.frames.length > options.pendingFrames || early.bytes > options.pendingBytes) socket.terminate();
  };
  const onClose = (code: number, reason: Buffer) => {
    early.closed = { code, reason };
  };
  const early: EarlyFrames = {
    frames: [],
    bytes: 0,
    closed: undefined,
    release() {
      socket.off('message', onMessage);
      socket.off('close', onClose);
    },
  };
  socket.on('message', onMessage);
  socket.on('close', onClose);
  return early;
}

function upstreamUrl(upstream: Upstream, relative: string, query: string, context: GatewayContext): string {
  const scheme = upstream.origin.startsWith('https:') ? 'wss:' : 'ws:';
  let search = query;
  // The budget's cheaper model (or a router policy) may have changed the session's model.
  if (context.model !== undefined && context.route.name === 'realtime') {
    const params = new URLSearchParams(query);
    if (params.get('model') !== context.model) {
      params.set('model', context.model);
      search = params.toString();
    }
  }
  return `${scheme}${upstream.origin.slice(upstream.origin.indexOf(':') + 1)}${upstream.basePath}${relative}${search === '' ? '' : `?${search}`}`;
}

async function readRefusal(response: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > maxRefusalBytes) break;
      chunks.push(chunk as Buffer);
    }
  } catch {
    // A refusal cut short still says what it could.
  }
  return Buffer.concat(chunks);
}

function handshakeFailure(error: Error, upstreamName: string, clientGone: boolean): GatewayError {
  if (clientGone) return clientClosedRequest();
  if (error instanceof GatewayError) return error;
  // ws words its own handshake timer this way; it has no error code.
  if (/handshake has timed out/i.test(error.message))
    return new GatewayError(
      'upstream_connect_timeout',
      `Connecting to the upstream "${upstreamName}" timed out.`,
      {
        cause: error,
      },
    );
  return upstreamFailure(error, 'before-headers', upstreamName);
}
