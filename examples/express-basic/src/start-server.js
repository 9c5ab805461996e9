// @ts-check

import { startStarter } from '@ferry/example-starter-kit';
import { ferry } from '@ferry/express';
import express from 'express';

/**
 * Starts the starter gateway: an Express app with Ferry at `/v1` and `/health` and `/metrics`
 * (Prometheus) routes of its own.
 * With no upstream configured it starts the mock upstream in-process and forwards to it.
 *
 * @param {import('@ferry/example-starter-kit').StartSettings} [settings]
 * @returns {Promise<import('@ferry/example-starter-kit').RunningServer>}
 *
 * @example
 * const running = await startServer({ port: 0, environment: { FERRY_CLIENT_KEYS: 'sk-test' } });
 * const client = new OpenAI({ baseURL: running.url, apiKey: 'sk-test' });
 * await running.close();
 */
export function startServer(settings = {}) {
  return startStarter(settings, (options) => {
    const middleware = ferry(options);
    const app = express();
    app.disable('x-powered-by');
    // Ferry first: it reads request bodies itself (its size limit, OpenAI-shaped errors). Body
    // parsers for the app's own routes go after it.
    app.use(middleware);
    app.get('/health', (_request, response) => {
      response.json({ status: 'ok' });
    });
    // Prometheus scrapes the app, not the API: bind HOST to an internal interface or guard it.
    app.get('/metrics', async (_request, response) => {
      const metrics = middleware.gateway.metrics;
      if (metrics === undefined) response.sendStatus(404);
      else response.type(metrics.contentType).send(await metrics.render());
    });
    return { gateway: middleware.gateway, listener: app };
  });
}
