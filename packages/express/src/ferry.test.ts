import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeAdapterConformance } from '@ferry/adapter-conformance';
import type { GatewayOptions } from '@ferry/core';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { chatBody, listen } from '@ferry/mock-upstream/helpers';
import express, { type Request } from 'express';
import { ferry } from './index.js';

const rawBodyParser = () =>
  express.json({
    verify: (request, _response, bytes) => {
      (request as Request & { rawBody?: Buffer }).rawBody = bytes;
    },
  });

const parsers: Record<string, () => express.RequestHandler> = {
  'express.json()': () => express.json(),
  'express.json({ verify }) keeping rawBody': rawBodyParser,
};

describeAdapterConformance('@ferry/express', {
  bodyParsers: [
    { name: 'express.json()', keepsRawBody: false },
    { name: 'express.json({ verify }) keeping rawBody', keepsRawBody: true },
  ],
  parserWarning: /mount Ferry before express\.json\(\)/,
  mount(options, { bodyParser, prefix, fallback }) {
    const app = express();
    // Quiets Express's default error handler, which prints the body parser's errors otherwise.
    app.set('env', 'test');
    const parser = bodyParser === undefined ? undefined : parsers[bodyParser];
    if (parser !== undefined) app.use(parser());
    const middleware = ferry(options);
    if (prefix === undefined) app.use(middleware);
    else app.use(prefix, middleware);
    app.use((request: Request, response: express.Response) => fallback(request, response));
    return { listener: app, gateway: middleware.gateway };
  },
});

// What is Express's own: its parser's error pages and limits, and its 404 page.
describe('@ferry/express with Express specifics', () => {
  const upstreamKey = 'sk-upstream-secret';
  let mock: MockUpstream;
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    mock = await startMockUpstream({ apiKey: upstreamKey });
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await mock.close();
  });

  const gatewayOptions = (): GatewayOptions => ({
    upstream: { url: mock.url, apiKey: upstreamKey, local: true },
    logger: false,
  });
  const serve = async (setup: (app: express.Express) => void) => {
    const app = express();
    app.set('env', 'test');
    setup(app);
    const server = await listen(app);
    closers.push(server.close);
    return server.origin;
  };
  const mountFerry = () => {
    const middleware = ferry(gatewayOptions());
    closers.push(middleware.close);
    return middleware;
  };
  const post = (url: string, body: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  let origin: string;
  let parsedOrigin: string;
  before(async () => {
    origin = await serve((app) => app.use(mountFerry()));
    parsedOrigin = await serve((app) => {
      app.use(express.json());
      app.use(mountFerry());
    });
  });

  it('outside a mount, Express answers with its own 404 page', async () => {
    const mounted = await serve((app) => app.use('/llm', mountFerry()));
    const outside = await post(`${mounted}/v1/chat/completions`, chatBody());
    assert.equal(outside.status, 404);
    assert.match(outside.headers.get('content-type') ?? '', /^text\/html/);
    await outside.arrayBuffer();
  });

  it('behind express.json(), invalid JSON is refused by express.json itself, not by Ferry', async () => {
    // This is why the docs say to mount Ferry first: the parser's error page is not OpenAI-shaped.
    const response = await post(`${parsedOrigin}/v1/chat/completions`, '{"model":');
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    await response.arrayBuffer();
  });

  it("behind express.json(), its 100 kB limit applies before Ferry's own", async () => {
    const large = chatBody({ padding: 'x'.repeat(200_000) });
    const refused = await post(`${parsedOrigin}/v1/chat/completions`, large);
    assert.equal(refused.status, 413);
    await refused.arrayBuffer();
    const accepted = await post(`${origin}/v1/chat/completions`, large);
    assert.equal(accepted.status, 200);
    await accepted.arrayBuffer();
  });
});
