import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Gateway } from '../gateway.js';
import type { ResponseBody } from '../types.js';
import type { UpgradeAccepted } from '../websocket/create-upgrade.js';
import { BridgedRequest } from './bridged-request.js';

// The subprotocol each accepted request echoes, read by the one server's `handleProtocols`.
const chosenProtocol = new WeakMap<IncomingMessage, UpgradeAccepted>();

// One `ws` server (noServer) per gateway: it only finishes handshakes Ferry already accepted.
const servers = new WeakMap<Gateway, WebSocketServer>();

function serverFor(gateway: Gateway, maxPayload: number): WebSocketServer {
  let server = servers.get(gateway);
  if (server === undefined) {
    server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload,
      handleProtocols: (_protocols, request) => chosenProtocol.get(request)?.protocol ?? false,
    });
    server.on('headers', (headers, request) => {
      const accepted = chosenProtocol.get(request);
      if (accepted === undefined) return;
      for (const [name, value] of Object.entries(accepted.headers)) headers.push(`${name}: ${value}`);
    });
    servers.set(gateway, server);
  }
  return server;
}

/**
 * The Node bridge for WebSocket upgrades (a server's `'upgrade'` event): the gateway decides
 * first, with the upstream's socket opened, and only then does the client get its 101; a
 * refusal is written as a plain HTTP answer with an OpenAI-shaped body, so a browser sees the
 * status instead of a bare 1006. `url` is the path inside the mount when a framework rewrote it.
 *
 * @example
 * server.on('upgrade', (request, socket, head) => {
 *   if (gateway.owns(new URL(request.url ?? '/', 'http://x').pathname)) handleNodeUpgrade(gateway, request, socket, head);
 * });
 */
export async function handleNodeUpgrade(
  gateway: Gateway,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: string = request.url ?? '/',
): Promise<void> {
  const gatewayRequest = new BridgedRequest(request, url);
  const onClose = () => gatewayRequest.clientGone();
  socket.once('close', onClose);
  // A client that resets mid-handshake must not take the process down.
  socket.on('error', ignore);
  const outcome = await gateway.upgrade(gatewayRequest);
  if (!outcome.accepted) {
    socket.off('close', onClose);
    await writeRefusal(socket, outcome.response.status, outcome.response.headers, outcome.response.body);
    return;
  }
  if (socket.destroyed) {
    outcome.abandon();
    return;
  }
  socket.off('close', onClose);
  chosenProtocol.set(request, outcome);
  const server = serverFor(gateway, outcome.maxPayloadBytes);
  let attached = false;
  socket.once('close', () => {
    if (!attached) outcome.abandon();
  });
  server.handleUpgrade(request, socket, head, (client) => {
    attached = true;
    socket.off('error', ignore);
    outcome.attach(client);
  });
}

const ignore = () => {};

/** Writes an HTTP answer on the raw socket of a refused upgrade and closes it. */
async function writeRefusal(
  socket: Duplex,
  status: number,
  headers: Record<string, string>,
  body: ResponseBody | undefined,
): Promise<void> {
  let bytes: Buffer;
  if (body === undefined) bytes = Buffer.alloc(0);
  else if (body instanceof Uint8Array) bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  else {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    bytes = Buffer.concat(chunks);
  }
  if (socket.destroyed) return;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'content-length' || name === 'connection' || name === 'transfer-encoding') continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `content-length: ${bytes.length}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), bytes]));
}
