// @ts-check
import { once } from 'node:events';
import { createServer } from 'node:http';
import { startMockUpstream } from '@ferry/mock-upstream';
import { gatewayOptionsFrom, hasUpstream } from './gateway-options.js';

/**
 * @typedef {object} StartSettings
 * @property {number} [port] Port to listen on; 0 picks a free one. Default: `PORT`, else 8787.
 * @property {string} [host] Interface to listen on. Default: `HOST`, else 127.0.0.1 (this machine only).
 * @property {NodeJS.ProcessEnv} [environment] Where the `FERRY_*` settings are read. Default: `process.env`.
 * @property {import('@ferry/core').GatewayOptions['logger']} [logger] Overrides the configured logger
 *   (tests pass `false`).
 * @property {(line: string) => void} [print] Where the start-up lines go. Default: `console.log`.
 * @property {number} [shutdownGraceMs] How long `close()` lets in-flight requests finish. Default 10 s.
 */

/**
 * @typedef {object} RunningServer
 * @property {string} url The OpenAI `baseURL` of the gateway, e.g. `http://127.0.0.1:8787/v1`.
 * @property {string} origin `http://127.0.0.1:8787`.
 * @property {import('node:http').Server} server
 * @property {import('@ferry/core').Gateway} gateway
 * @property {import('@ferry/mock-upstream').MockUpstream | undefined} mock The in-process mock, when no
 *   upstream is configured.
 * @property {() => Promise<void>} close Stops accepting, lets in-flight requests finish (up to the
 *   grace period), then closes the gateway and the mock.
 */

/**
 * @typedef {object} StarterApp
 * @property {import('@ferry/core').Gateway} gateway The gateway the app mounts.
 * @property {import('node:http').RequestListener} listener The app, as `node:http` calls it.
 */

/**
 * Starts a starter gateway: reads the `FERRY_*` settings, starts the mock upstream in-process when
 * no upstream is configured, builds the framework's app with `createApp`, listens, prints how to
 * use it, and returns a graceful `close()`.
 *
 * @param {StartSettings} settings
 * @param {(options: import('@ferry/core').GatewayOptions) => StarterApp} createApp
 * @returns {Promise<RunningServer>}
 *
 * @example
 * const running = await startStarter({ port: 0 }, (options) => {
 *   const middleware = ferry(options);
 *   return { gateway: middleware.gateway, listener: express().use(middleware) };
 * });
 */
export async function startStarter(settings, createApp) {
  const environment = settings.environment ?? process.env;
  const port = settings.port ?? Number(environment.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a port number, not ${JSON.stringify(environment.PORT)}`);
  }
  const host = settings.host ?? environment.HOST ?? '127.0.0.1';
  const print = settings.print ?? console.log;

  const options = gatewayOptionsFrom(environment);
  if (settings.logger !== undefined) options.logger = settings.logger;
  // Metrics on, rendered by the app's own `GET /metrics` (a config file's `metrics` wins).
  options.metrics ??= { path: false };
  const mock = hasUpstream(options) ? undefined : await startMockUpstream({ record: false });
  if (mock) options.upstream = { name: 'mock', url: mock.url, local: true };

  /** @type {StarterApp | undefined} */
  let app;
  const server = createServer();
  try {
    app = createApp(options);
    await app.gateway.ready();
    server.on('request', app.listener);
    // A burst of 1000 connections overflows Node's default backlog (511): the kernel drops the
    // rest and clients retry after 1 s and 3 s. 4096 is Linux's usual `somaxconn` cap.
    server.listen({ port, host, backlog: 4096 });
    await once(server, 'listening');
  } catch (error) {
    await app?.gateway.close();
    await mock?.close();
    throw error;
  }

  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shownHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${address.port}`;
  const gateway = app.gateway;

  print(`Ferry gateway listening on ${origin}/v1 (use it as the OpenAI baseURL)`);
  if (mock) print(`No FERRY_UPSTREAM_URL set: started the mock upstream in-process at ${mock.url}`);
  else print(`Forwarding to ${upstreamList(options)}`);
  const { clientKeys = [], clients = [] } = options;
  print(curlExample(origin, clientKeys.length > 0 || clients.length > 0));

  const shutdownGraceMs = settings.shutdownGraceMs ?? 10_000;
  /** @type {Promise<void> | undefined} */
  let closing;
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      // close() only drops the connections idle right now; a keep-alive connection whose last
      // response ends later would hold the server open until its keep-alive timeout.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      // Streams can run for minutes; after the grace period the remaining ones are cut.
      const cut = setTimeout(() => server.closeAllConnections(), shutdownGraceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(cut);
      await gateway.close();
      await mock?.close();
    })();
    return closing;
  };

  return { url: `${origin}/v1`, origin, server, gateway, mock, close };
}

/**
 * `openai at https://api.openai.com/v1`, without any credentials or query the URL may carry.
 *
 * @param {import('@ferry/core').GatewayOptions} options
 */
function upstreamList(options) {
  const upstreams = [...(options.upstream ? [options.upstream] : []), ...(options.upstreams ?? [])];
  return upstreams
    .map((upstream) => {
      const url = new URL(upstream.url);
      return `${upstream.name ?? 'default'} at ${url.origin}${url.pathname}`;
    })
    .join(', ');
}

/**
 * @param {string} origin
 * @param {boolean} needsKey
 */
function curlExample(origin, needsKey) {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] });
  return [
    'Try it:',
    `  curl ${origin}/v1/chat/completions \\`,
    "    -H 'Content-Type: application/json' \\",
    ...(needsKey ? ["    -H 'Authorization: Bearer <one of FERRY_CLIENT_KEYS>' \\"] : []),
    `    -d '${body}'`,
  ].join('\n');
}
