import { createServer } from 'node:http';
import { createGateway } from '@ferry/core';
import { acceptLanes, withGateway } from '@ferry/core/node';
import express from 'express';
import { passthroughOptions } from './ferry-core.js';
import { type ArmServer, type ArmServerConfig, closeServer, listen } from './server-handle.js';

/**
 * Ferry in front of an Express 5 app at the HTTP server, `withGateway(gateway, app)`, as the
 * Express README shows: `/v1` skips Express, other paths reach the app. Against `ferry-express`
 * it measures what Express costs gateway traffic; against `ferry-core`, what the front check costs.
 *
 * @example
 * const arm = await startFerryFrontExpress({ upstreamUrl, latencyMs: 0, chunks: 5, chunkIntervalMs: 0 });
 */
export async function startFerryFrontExpress(config: ArmServerConfig): Promise<ArmServer> {
  const gateway = createGateway(passthroughOptions(config.upstreamUrl));
  await gateway.ready();
  const app = express();
  app.disable('x-powered-by');
  // The app's own middleware, which gateway traffic must not pay for.
  app.use(express.json());
  app.get('/health', (_request, response) => {
    response.json({ status: 'ok' });
  });
  const server = createServer(withGateway(gateway, app));
  const url = await listen(server);
  // As Ferry's docs advise for a server that may be saturated: new connections are not starved.
  await acceptLanes(server);
  return {
    url,
    close: async () => {
      await closeServer(server);
      await gateway.close();
    },
  };
}
