import type { Server } from 'node:http';
import { createGateway, type Gateway, type GatewayOptions } from '@ferry/core';
import { attachGatewayUpgrades, handleNodeRequest } from '@ferry/core/node';
import type { Middleware } from 'koa';

export type { Gateway, GatewayOptions } from '@ferry/core';

/** How the middleware sits in the app. */
export interface FerryKoaOptions {
  /**
   * A path prefix the gateway lives under, e.g. `'/llm'` for `http://host/llm/v1`. Koa has no
   * built-in mounting; `koa-mount` works too (it rewrites `ctx.path`, which is what is read here).
   */
  prefix?: string;
}

/** The Koa middleware, with the gateway it drives. */
export interface FerryKoaMiddleware extends Middleware {
  /** The gateway behind the middleware (options, logger, `ready()`). */
  readonly gateway: Gateway;
  /** Closes the gateway: upstream pools and stores. Call it when the server shuts down. */
  close(): Promise<void>;
  /**
   * Serves Ferry's WebSocket endpoints (`/v1/realtime`, `/v1/responses`, after the middleware's
   * `prefix`) on the app's HTTP server; every other upgrade still reaches the app's own handlers.
   *
   * @example
   * const server = app.listen(8787);
   * gateway.attach(server); // wss://host:8787/v1/realtime
   */
  attach(server: Server): () => void;
}

/** What `@koa/bodyparser` leaves on `ctx.request` when it read the body. */
interface ParsedRequest {
  body?: unknown;
  rawBody?: string;
}

const parserWarning =
  'a body parser read the request before Ferry: use Ferry before @koa/bodyparser to keep its body ' +
  'limit (maxBodyBytes) and OpenAI-shaped errors for bad JSON';

const isGateway = (value: GatewayOptions | Gateway): value is Gateway =>
  typeof (value as Partial<Gateway>).handle === 'function';

/**
 * Mounts Ferry in a Koa 3 app. Requests inside the gateway's API base (`/v1` by default, after
 * `prefix`) are answered by Ferry, which writes the Node response itself (`ctx.respond = false`);
 * every other request goes on with `await next()`.
 *
 * Use it before `@koa/bodyparser`: Ferry then reads the body itself, with its own size limit
 * (`maxBodyBytes`, 10 MiB by default, where the parser stops at 1 MB) and OpenAI-shaped errors for bad JSON.
 * Behind the parser it takes `ctx.request.body` and `ctx.request.rawBody` as the parser left them.
 *
 * Passing a gateway instead of options lets several mounts share one; `close()` closes it either way.
 *
 * @example
 * import Koa from 'koa';
 * import { ferry } from '@ferry/koa';
 *
 * const app = new Koa();
 * app.use(ferry({ upstream: { url: 'https://api.openai.com/v1', apiKey: process.env.OPENAI_API_KEY } }));
 * app.listen(8787); // clients use baseURL http://localhost:8787/v1
 * // ferry(options, { prefix: '/llm' }): baseURL http://localhost:8787/llm/v1
 */
export function ferry(
  optionsOrGateway: GatewayOptions | Gateway,
  { prefix = '' }: FerryKoaOptions = {},
): FerryKoaMiddleware {
  if (prefix !== '' && !/^\/[^?#]*[^/]$/.test(prefix)) {
    throw new TypeError(`ferry: prefix must start with / and not end with / (got ${JSON.stringify(prefix)})`);
  }
  const gateway = isGateway(optionsOrGateway) ? optionsOrGateway : createGateway(optionsOrGateway);

  let warnedAboutParser = false;

  const middleware: Middleware = async (ctx, next) => {
    const path = ctx.path;
    if (!path.startsWith(prefix) || !gateway.owns(path.slice(prefix.length))) {
      await next();
      return;
    }
    // Koa must neither set a status nor write a body: the bridge answers on the Node response.
    ctx.respond = false;
    // A consumed stream means a body parser ran; the bridge reads the body itself otherwise.
    const request = ctx.request as unknown as ParsedRequest;
    const parsed = ctx.req.readableEnded;
    if (parsed && !warnedAboutParser) {
      warnedAboutParser = true;
      gateway.logger.warn(parserWarning);
    }
    await handleNodeRequest(gateway, ctx.req, ctx.res, {
      url: ctx.url.slice(prefix.length),
      parsedBody: parsed ? request.body : undefined,
      rawBody: parsed ? request.rawBody : undefined,
    });
  };

  return Object.assign(middleware, {
    gateway,
    close: () => gateway.close(),
    attach: (server: Server) => attachGatewayUpgrades(server, gateway, { prefix }),
  });
}
