import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGateway, type Gateway } from '@ferry/core';
import { createCheckContinueHandler, handleNodeRequest, withGateway } from '@ferry/core/node';
import { type RunningServer, type StartSettings, serveGateway } from './serve-gateway.js';

const healthBody = JSON.stringify({ status: 'ok' });

/**
 * Starts the standalone Ferry gateway: `createGateway(options)` on a plain `node:http` server,
 * no web framework. Requests inside the API base go straight to the Node bridge; `GET /health`
 * answers `{"status":"ok"}` for load balancers and supervisors; any other path gets the
 * gateway's OpenAI-shaped 404. Logging (one pino line per request) and Prometheus metrics
 * (`GET /v1/ferry/metrics`) are on unless the config file says otherwise. The server owns its
 * `checkContinue`, so `Expect: 100-continue` uploads over `maxBodyBytes` are refused before
 * they are sent. This is what the `ferry` command runs.
 *
 * @example
 * const running = await startFerryServer({ port: 0, configFile: 'ferry.json' });
 * const client = new OpenAI({ baseURL: running.url, apiKey: 'sk-my-client-key' });
 * await running.close();
 */
export function startFerryServer(settings: StartSettings = {}): Promise<RunningServer> {
  return serveGateway(
    settings,
    (options) => {
      // A worker of FERRY_WORKERS serves the whole server's metrics, summed by the primary.
      const { renderMetrics } = settings;
      if (renderMetrics !== undefined && options.metrics !== undefined) {
        options.metrics = { ...options.metrics, render: renderMetrics };
      }
      const gateway = createGateway(options);
      const listener = withGateway(gateway, outsideTheGateway(gateway));
      return { gateway, listener, checkContinue: createCheckContinueHandler(gateway, listener) };
    },
    { metrics: {} },
  );
}

/** What the server answers outside the API base: its health route, else the gateway's 404. */
function outsideTheGateway(gateway: Gateway) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (request.url === '/health' && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': healthBody.length });
      response.end(request.method === 'HEAD' ? undefined : healthBody);
      return;
    }
    // The gateway words every answer, a 404 `unknown_url` included; one place for the shape.
    void handleNodeRequest(gateway, request, response);
  };
}
