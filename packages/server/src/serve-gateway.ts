import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway, GatewayOptions } from '@ferry/core';
import { acceptLanes, attachGatewayUpgrades } from '@ferry/core/node';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { closeGracefully } from './close-gracefully.js';
import { gatewayOptionsFrom, hasUpstream } from './gateway-options.js';
import { type ListenInput, listenSettings } from './listen-settings.js';
import { startupLines } from './startup-lines.js';

/** How to start a Ferry server; every field is optional. */
export interface StartSettings extends ListenInput {
  /** Where `FERRY_*`, `PORT`, `HOST` are read. Default: `process.env`. */
  environment?: NodeJS.ProcessEnv | undefined;
  /** A JSON config file; replaces `FERRY_CONFIG`. */
  configFile?: string | undefined;
  /** Overrides the configured logger (tests pass `false`). */
  logger?: GatewayOptions['logger'];
  /** Where the start-up lines go (in one call). Default: `console.log`. */
  print?: ((line: string) => void) | undefined;
  /** Replaces what the metrics endpoint serves (a worker's: the whole cluster's). @internal */
  renderMetrics?: (() => Promise<string>) | undefined;
}

/** A listening Ferry server. */
export interface RunningServer {
  /** The OpenAI `baseURL` of the gateway, e.g. `http://127.0.0.1:8787/v1`. */
  url: string;
  /** `http://127.0.0.1:8787`. */
  origin: string;
  server: Server;
  gateway: Gateway;
  /** The in-process mock, when no upstream is configured. */
  mock: MockUpstream | undefined;
  /**
   * Stops accepting, lets in-flight requests finish (up to the grace period), then closes the
   * gateway and the mock.
   */
  close(): Promise<void>;
}

/** What `createApp` builds from the resolved options. */
export interface ServedApp {
  /** The gateway the app serves. */
  gateway: Gateway;
  /** The app, as `node:http` calls it. */
  listener: RequestListener;
  /** A `checkContinue` listener (`createCheckContinueHandler`), when the app wants one. */
  checkContinue?: RequestListener;
}

// A burst of 1000 connections overflows Node's default backlog (511): the kernel drops the
// rest and clients retry after 1 s and 3 s. 4096 is Linux's usual `somaxconn` cap.
const listenBacklog = 4096;

/**
 * Runs a Ferry server: reads the options (config file, `FERRY_*` variables, over `defaults`),
 * starts the mock upstream in-process when no upstream is configured, builds the app with
 * `createApp`, listens, prints how to use it, and returns a graceful `close()`. The standalone
 * server and the Express and Koa starters all start this way.
 *
 * @example
 * const running = await serveGateway({ port: 0 }, (options) => {
 *   const middleware = ferry(options);
 *   return { gateway: middleware.gateway, listener: express().use(middleware) };
 * });
 */
export async function serveGateway(
  settings: StartSettings,
  createApp: (options: GatewayOptions) => ServedApp,
  defaults: Partial<GatewayOptions> = {},
): Promise<RunningServer> {
  const environment = settings.environment ?? process.env;
  const { port, host, shutdownGraceMs, acceptLanes: lanes } = listenSettings(settings, environment);
  const print = settings.print ?? console.log;

  const options = gatewayOptionsFrom(environment, settings.configFile ?? environment.FERRY_CONFIG, defaults);
  if (settings.logger !== undefined) options.logger = settings.logger;
  const mock = hasUpstream(options) ? undefined : await startMockUpstream({ record: false });
  if (mock) options.upstream = { name: 'mock', url: mock.url, local: true };

  let app: ServedApp | undefined;
  const server = createServer();
  try {
    app = createApp(options);
    await app.gateway.ready();
    server.on('request', app.listener);
    if (app.checkContinue) server.on('checkContinue', app.checkContinue);
    // WebSocket endpoints (`/v1/realtime`, `/v1/responses`); other upgrades get a 404.
    attachGatewayUpgrades(server, app.gateway);
    server.listen({ port, host, backlog: listenBacklog });
    await once(server, 'listening');
    // Wraps server.close(), so closing the server below stops the lanes too.
    await acceptLanes(server, lanes);
  } catch (error) {
    await app?.gateway.close();
    await mock?.close();
    throw error;
  }

  const { gateway } = app;
  const address = server.address() as AddressInfo;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${address.port}`;
  // One write: a reader that sees the first line sees the rest with it.
  print(startupLines({ origin, basePath: gateway.basePath, options, mockUrl: mock?.url }).join('\n'));

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // WebSocket sessions keep the server open; when the grace period ends they are closed
      // (1001) with the gateway, as the remaining HTTP streams are cut.
      let gatewayClosed: Promise<void> | undefined;
      const closeGateway = () => {
        gatewayClosed ??= gateway.close();
        return gatewayClosed;
      };
      const cut = setTimeout(closeGateway, shutdownGraceMs);
      await closeGracefully(server, shutdownGraceMs);
      clearTimeout(cut);
      await closeGateway();
      await mock?.close();
    })();
    return closing;
  };
  return { url: `${origin}${gateway.basePath}`, origin, server, gateway, mock, close };
}
