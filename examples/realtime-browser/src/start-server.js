// @ts-check
import { createServer } from 'node:http';
import { ferry } from '@ferry/express';
import { startMockUpstream } from '@ferry/mock-upstream';
import express from 'express';

/**
 * Serves the page in `public/` and Ferry at `/v1` (Realtime included) on one Express server.
 * Without `upstreamUrl` it runs the mock upstream in-process, so the page works offline.
 *
 * @param {{ port?: number, host?: string, clientKey?: string, upstreamUrl?: string, upstreamKey?: string }} [settings]
 */
export async function startServer(settings = {}) {
  const mock =
    settings.upstreamUrl === undefined ? await startMockUpstream({ apiKey: 'sk-mock-upstream' }) : undefined;
  const gateway = ferry({
    upstream: mock
      ? { url: mock.url, apiKey: 'sk-mock-upstream', local: true }
      : { url: /** @type {string} */ (settings.upstreamUrl), apiKey: settings.upstreamKey },
    clientKeys: [settings.clientKey ?? 'sk-browser-demo'],
    logger: false,
  });
  const app = express();
  app.use(gateway);
  app.use(express.static(new URL('./public/', import.meta.url).pathname));
  const server = createServer(app);
  // The one helper for upgrades: Ferry's WebSocket endpoints on the app's server.
  gateway.attach(server);
  await new Promise((resolve) =>
    server.listen(settings.port ?? 0, settings.host ?? '127.0.0.1', () => resolve(undefined)),
  );
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    origin: `http://${settings.host ?? '127.0.0.1'}:${address.port}`,
    mock,
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      await mock?.close();
    },
  };
}
