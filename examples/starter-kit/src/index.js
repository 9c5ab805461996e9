// @ts-check
// What the Express and Koa starters share lives in @ferry/server, which runs the standalone
// gateway the same way: options from FERRY_CONFIG and the FERRY_* variables, the mock upstream
// when none is set, listening, start-up lines, graceful shutdown, exit codes.
import { serveGateway } from '@ferry/server';

export { gatewayOptionsFrom, hasUpstream, runFromCommandLine } from '@ferry/server';

/** @typedef {import('@ferry/server').StartSettings} StartSettings */
/** @typedef {import('@ferry/server').RunningServer} RunningServer */
/** @typedef {import('@ferry/server').ServedApp} StarterApp */

/**
 * Starts a starter gateway: `serveGateway` with metrics on and rendered by the app's own
 * `GET /metrics` instead of below the API base (a config file's `metrics` wins).
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
export function startStarter(settings, createApp) {
  return serveGateway(settings, createApp, { metrics: { path: false } });
}
