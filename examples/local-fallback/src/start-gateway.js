// @ts-check
import { once } from 'node:events';
import { createServer } from 'node:http';
import { ferry } from '@ferry/express';
import { startMockUpstream } from '@ferry/mock-upstream';
import express from 'express';

/**
 * @typedef {object} LocalFallbackSettings
 * @property {string} [cloudUrl] The primary API base (e.g. `https://api.openai.com/v1`). Default: an
 *   address where nothing listens, so every request falls back (the point of the demo).
 * @property {string} [cloudApiKey]
 * @property {string} [localUrl] The local model server's API base. Default: a mock upstream started in
 *   this process, standing in for Ollama (`http://127.0.0.1:11434/v1`).
 * @property {string} [localModel] The model the local server runs. Default `llama3.1`.
 * @property {number} [port] Default 8788; 0 picks a free port.
 * @property {import('@ferry/core').GatewayOptions['logger']} [logger]
 */

/**
 * Starts Express with Ferry at `/v1`: cloud API first (with retries and a circuit breaker), then
 * the local model, then a fixed degraded answer.
 *
 * @param {LocalFallbackSettings} [settings]
 * @example
 * const running = await startGateway({ port: 0 });
 * const client = new OpenAI({ baseURL: running.url, apiKey: 'unused' });
 */
export async function startGateway(settings = {}) {
  const localMock =
    settings.localUrl === undefined
      ? await startMockUpstream({ content: 'Hello from the local model.', record: false })
      : undefined;
  const localUrl = settings.localUrl ?? /** @type {NonNullable<typeof localMock>} */ (localMock).url;

  /** @type {import('@ferry/core').GatewayOptions} */
  const options = {
    upstreams: [
      {
        name: 'cloud',
        url: settings.cloudUrl ?? 'http://127.0.0.1:9/v1',
        apiKey: settings.cloudApiKey,
        connectTimeoutMs: 2_000,
        // The demo's default cloud address is on this machine; a real API never is.
        local: settings.cloudUrl === undefined,
      },
      {
        name: 'ollama',
        url: localUrl,
        // Loopback and private addresses are refused unless the upstream says it is local.
        local: true,
        models: { '*': settings.localModel ?? 'llama3.1' },
      },
    ],
    retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1_000 },
    breaker: { volumeThreshold: 5, resetTimeoutMs: 10_000 },
    fallback: {
      chain: ['cloud', 'ollama'],
      degraded: { content: 'The assistant is unavailable right now. Please try again in a minute.' },
    },
    logger: settings.logger,
  };

  const app = express();
  app.use(ferry(options));
  const server = createServer(app);
  server.listen(settings.port ?? 8788, '127.0.0.1');
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    url: `${origin}/v1`,
    localUrl,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await localMock?.close();
    },
  };
}
