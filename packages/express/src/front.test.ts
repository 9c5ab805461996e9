import { describeAdapterConformance } from '@ferry/adapter-conformance';
import { createGateway, type Gateway, type GatewayOptions } from '@ferry/core';
import { withGateway } from '@ferry/core/node';
import express, { type Request } from 'express';

const parsers: Record<string, () => express.RequestHandler> = {
  'express.json()': () => express.json(),
  'express.json({ verify }) keeping rawBody': () =>
    express.json({
      verify: (request, _response, bytes) => {
        (request as Request & { rawBody?: Buffer }).rawBody = bytes;
      },
    }),
};

const isGateway = (value: GatewayOptions | Gateway): value is Gateway => 'handle' in value;

// Ferry in front of an Express app at the HTTP server: `http.createServer(withGateway(gateway, app))`.
// The app keeps its body parser for its own routes; gateway traffic never enters Express.
describeAdapterConformance('withGateway in front of Express', {
  front: true,
  bodyParsers: [
    { name: 'express.json()', keepsRawBody: false },
    { name: 'express.json({ verify }) keeping rawBody', keepsRawBody: true },
  ],
  parserWarning: /mount Ferry before express\.json\(\)/,
  mount(options, { bodyParser, prefix, fallback }) {
    const gateway = isGateway(options) ? options : createGateway(options);
    const app = express();
    app.set('env', 'test');
    const parser = bodyParser === undefined ? undefined : parsers[bodyParser];
    if (parser !== undefined) app.use(parser());
    app.use((request: Request, response: express.Response) => fallback(request, response));
    return { listener: withGateway(gateway, app, { prefix }), gateway };
  },
});
