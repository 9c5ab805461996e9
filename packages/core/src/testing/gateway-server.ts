import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MockUpstream, type MockUpstreamOptions, startMockUpstream } from '@ferry/mock-upstream';
import { createGateway, type Gateway } from '../gateway.js';
import { attachGatewayUpgrades } from '../node/attach-upgrades.js';
import { handleNodeRequest } from '../node/handle-node-request.js';
import type { GatewayOptions, UpstreamOptions } from '../options.js';

/** A gateway served by plain `node:http` through the Node bridge, on a free port. */
export interface GatewayServer {
  /** The gateway's API base, e.g. `http://127.0.0.1:PORT/v1` (what an openai client takes). */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  gateway: Gateway;
  server: Server;
  /** Closes the server (open sockets included) and the gateway. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves `createGateway(options)` on 127.0.0.1 port 0. `logger` defaults to `false`.
 *
 * @example
 * const ferry = await startGatewayServer({ upstream: { url: mock.url } });
 * await fetch(`${ferry.url}/models`);
 * await ferry.close();
 */
export async function startGatewayServer(options: GatewayOptions): Promise<GatewayServer> {
  const gateway = createGateway({ logger: false, ...options });
  const server = createServer((request, response) => handleNodeRequest(gateway, request, response));
  attachGatewayUpgrades(server, gateway);
  const { port, origin } = await listen(server);
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}${gateway.basePath}`,
    origin,
    port,
    gateway,
    server,
    close() {
      // Upgraded sockets keep the server open until their sessions end, which gateway.close() does.
      closing ??= Promise.all([closeServer(server), gateway.close()]).then(() => undefined);
      return closing;
    },
  };
}

/** A gateway server in front of a fresh mock upstream; `close()` closes both. */
export interface GatewayWithMock extends GatewayServer {
  mock: MockUpstream;
}

/**
 * Starts a mock upstream and a gateway forwarding to it (`upstream.url` is the mock's, marked
 * `local` because it listens on loopback). Fields of `options.upstream` are merged in.
 *
 * @example
 * const { url, mock, close } = await startGatewayWithMock({ requestStreamUsage: true });
 */
export async function startGatewayWithMock(
  options: Omit<Partial<GatewayOptions>, 'upstream'> & { upstream?: Partial<UpstreamOptions> } = {},
  mockOptions: MockUpstreamOptions = {},
): Promise<GatewayWithMock> {
  const mock = await startMockUpstream(mockOptions);
  try {
    const ferry = await startGatewayServer({
      ...options,
      // The mock listens on loopback, which only a `local` upstream may reach.
      upstream: { local: true, ...options.upstream, url: mock.url },
    });
    return {
      ...ferry,
      mock,
      close: () => ferry.close().then(() => mock.close()),
    };
  } catch (error) {
    await mock.close();
    throw error;
  }
}

/** A bare `node:http` server standing in for an upstream when a test needs byte-level control. */
export interface RawUpstream {
  /** `http://127.0.0.1:PORT/v1` */
  url: string;
  origin: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts a `node:http` upstream with the given handler on a free port.
 *
 * @example
 * const upstream = await startRawUpstream((request, response) => response.end('{}'));
 */
export async function startRawUpstream(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<RawUpstream> {
  const server = createServer(handler);
  const { origin } = await listen(server);
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/v1`,
    origin,
    server,
    close() {
      closing ??= closeServer(server);
      return closing;
    },
  };
}

async function listen(server: Server): Promise<{ port: number; origin: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { port, origin: `http://127.0.0.1:${port}` };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
