// @ts-check
import { startStarter } from '@ferry/example-starter-kit';
import { ferry } from '@ferry/koa';
import Koa from 'koa';

/**
 * Starts the Koa starter gateway: a Koa app with Ferry at `/v1` and `/health` and `/metrics`
 * (Prometheus) routes of its own.
 * With no upstream configured it starts the mock upstream in-process and forwards to it.
 *
 * @param {import('@ferry/example-starter-kit').StartSettings} [settings]
 * @returns {Promise<import('@ferry/example-starter-kit').RunningServer>}
 *
 * @example
 * const running = await startServer({ port: 0 });
 */
export function startServer(settings = {}) {
  return startStarter(settings, (options) => {
    const middleware = ferry(options);
    const app = new Koa();
    // Ferry first: it reads request bodies itself; body parsers for the app's routes go after it.
    app.use(middleware);
    app.use(async (ctx, next) => {
      if (ctx.method === 'GET' && ctx.path === '/health') ctx.body = { status: 'ok' };
      else if (ctx.method === 'GET' && ctx.path === '/metrics' && middleware.gateway.metrics) {
        ctx.type = middleware.gateway.metrics.contentType;
        ctx.body = await middleware.gateway.metrics.render();
      } else await next();
    });
    return { gateway: middleware.gateway, listener: app.callback() };
  });
}
