import { describeAdapterConformance } from '@ferry/adapter-conformance';
import { createGateway, type Gateway, type GatewayOptions } from '@ferry/core';
import { withGateway } from '@ferry/core/node';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';

const isGateway = (value: GatewayOptions | Gateway): value is Gateway => 'handle' in value;

// Ferry in front of a Koa app at the HTTP server:
// `http.createServer(withGateway(gateway, app.callback()))`. The app keeps its body parser for
// its own routes; gateway traffic never enters Koa.
describeAdapterConformance('withGateway in front of Koa', {
  front: true,
  bodyParsers: [{ name: '@koa/bodyparser', keepsRawBody: true }],
  parserWarning: /use Ferry before @koa\/bodyparser/,
  mount(options, { bodyParser: parser, prefix, fallback }) {
    const gateway = isGateway(options) ? options : createGateway(options);
    const app = new Koa();
    app.silent = true;
    if (parser !== undefined) app.use(bodyParser());
    app.use(async (ctx) => {
      ctx.respond = false;
      fallback(ctx.req, ctx.res);
    });
    return { listener: withGateway(gateway, app.callback(), { prefix }), gateway };
  },
});
