import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Gateway } from '../gateway.js';
import { handleNodeUpgrade } from './handle-node-upgrade.js';
import { checkPrefix, pathOf, urlInsideMount } from './mount-path.js';

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Where the gateway is mounted, for upgrades. */
export interface AttachUpgradesOptions {
  /** The mount prefix (`'/llm'` when the app serves Ferry at `/llm/v1`); default: the root. */
  prefix?: string;
}

/**
 * Serves the gateway's WebSocket endpoints on an HTTP server (`/v1/realtime`, `/v1/responses`,
 * after `prefix`) and leaves every other upgrade to the app. Ferry takes the server's
 * `'upgrade'` event and hands the upgrades it does not own to the listeners that were there
 * before, and to those added later (a `new WebSocketServer({ server, path })` of the app): a
 * `ws` server with a `path` answers 400 to every other path, so it must not see Ferry's. An
 * upgrade nobody takes gets a 404. Returns a function that gives the event back.
 *
 * @example
 * const server = app.listen(8787);
 * attachGatewayUpgrades(server, gateway);           // or: ferryMiddleware.attach(server)
 * new WebSocketServer({ server, path: '/chat' });   // still gets /chat upgrades
 */
export function attachGatewayUpgrades(
  server: Server,
  gateway: Gateway,
  { prefix = '' }: AttachUpgradesOptions = {},
): () => void {
  checkPrefix(prefix, 'attachGatewayUpgrades');
  const others = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  const dispatch: UpgradeListener = (request, socket, head) => {
    const url = request.url ?? '/';
    const inside = urlInsideMount(url, prefix);
    if (inside !== undefined && gateway.owns(pathOf(inside))) {
      handleNodeUpgrade(gateway, request, socket, head, inside).catch((error: unknown) => {
        gateway.logger.error({ err: error }, 'the WebSocket bridge failed: the connection was closed');
        socket.destroy();
      });
      return;
    }
    if (others.length === 0) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    for (const listener of others) listener.call(server, request, socket, head);
  };
  // A listener added later would see Ferry's upgrades too: it joins the others instead.
  const adopt = (event: string | symbol, listener: UpgradeListener) => {
    if (event !== 'upgrade' || listener === dispatch) return;
    queueMicrotask(() => {
      if (!server.listeners('upgrade').includes(listener)) return;
      server.removeListener('upgrade', listener);
      others.push(listener);
    });
  };
  server.on('newListener', adopt);
  server.on('upgrade', dispatch);
  return () => {
    server.off('newListener', adopt);
    server.off('upgrade', dispatch);
    for (const listener of others.splice(0)) server.on('upgrade', listener);
  };
}
