import type { Server } from 'node:http';
import { createGateway, type Gateway, type GatewayOptions } from '@ferry/core';
import { type AttachUpgradesOptions, attachGatewayUpgrades, handleNodeRequest } from '@ferry/core/node';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type { Gateway, GatewayOptions } from '@ferry/core';

/** The Express middleware, with the gateway it drives. */
export interface FerryMiddleware extends RequestHandler {
  /** The gateway behind the middleware (options, logger, `ready()`). */
  readonly gateway: Gateway;
  /** Closes the gateway: upstream pools and stores. Call it when the server shuts down. */
  close(): Promise<void>;
  /**
   * Serves Ferry's WebSocket endpoints (`/v1/realtime`, `/v1/responses`) on the app's HTTP
   * server; every other upgrade still reaches the app's own handlers. Pass the mount path as
   * `prefix` when Ferry is mounted below the root (`app.use('/llm', ferry)`).
   *
   * @example
   * const server = app.listen(8787);
   * gateway.attach(server); // wss://host:8787/v1/realtime
   */
  attach(server: Server, options?: AttachUpgradesOptions): () => void;
}

/** `express.json({ verify })` can keep the exact bytes it parsed here; signatures need them. */
type RequestWithRawBody = Request & { rawBody?: Uint8Array | string };

const parserWarning =
  'a body parser read the request before Ferry: mount Ferry before express.json() to keep its body ' +
  'limit (maxBodyBytes) and OpenAI-shaped errors for bad JSON';

const isGateway = (value: GatewayOptions | Gateway): value is Gateway =>
  typeof (value as Partial<Gateway>).handle === 'function';

/**
 * Mounts Ferry in an Express 5 app. Requests inside the gateway's API base (`/v1` by default,
 * relative to where the middleware is mounted) are answered by Ferry; every other request goes
 * on to the app with `next()`.
 *
 * Mount it before `express.json()`: Ferry then reads the body itself, with its own size limit
 * (`maxBodyBytes`, 10 MiB by default, where `express.json()` stops at 100 kB) and OpenAI-shaped
 * errors for bad JSON. Behind a body parser it takes `request.body` as parsed, and
 * `request.rawBody` when the parser kept it:
 * `express.json({ verify: (request, _response, bytes) => { request.rawBody = bytes } })`.
 *
 * Passing a gateway instead of options lets several mounts share one; `close()` closes it either way.
 *
 * @example
 * import express from 'express';
 * import { ferry } from '@ferry/express';
 *
 * const app = express();
 * const gateway = ferry({
 *   upstream: { url: 'https://api.openai.com/v1', apiKey: process.env.OPENAI_API_KEY },
 *   clientKeys: ['sk-my-service'],
 * });
 * app.use(gateway); // clients use baseURL http://localhost:8787/v1
 * // or app.use('/llm', gateway): baseURL http://localhost:8787/llm/v1
 * app.listen(8787);
 */
export function ferry(optionsOrGateway: GatewayOptions | Gateway): FerryMiddleware {
  const gateway = isGateway(optionsOrGateway) ? optionsOrGateway : createGateway(optionsOrGateway);
  let warnedAboutParser = false;

  const middleware = (request: Request, response: Response, next: NextFunction): void => {
    // Inside a mount Express has already cut the prefix off `url` and `path`.
    if (!gateway.owns(request.path)) {
      next();
      return;
    }
    // A consumed stream means a body parser ran; the bridge reads the body itself otherwise.
    const parsed = request.readableEnded;
    if (parsed && !warnedAboutParser) {
      warnedAboutParser = true;
      gateway.logger.warn(parserWarning);
    }
    handleNodeRequest(gateway, request, response, {
      url: request.url,
      parsedBody: parsed ? request.body : undefined,
      rawBody: parsed ? (request as RequestWithRawBody).rawBody : undefined,
    }).catch(next);
  };

  return Object.assign(middleware, {
    gateway,
    close: () => gateway.close(),
    attach: (server: Server, options?: AttachUpgradesOptions) =>
      attachGatewayUpgrades(server, gateway, options),
  });
}
