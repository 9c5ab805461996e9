import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeAdapterConformance } from '@ferry/adapter-conformance';
import type { GatewayOptions } from '@ferry/core';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { chatBody, listen } from '@ferry/mock-upstream/helpers';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { ferry } from './index.js';

describeAdapterConformance('@ferry/koa', {
  // @koa/bodyparser always keeps `rawBody`, so the upstream gets the exact bytes behind it too.
  bodyParsers: [{ name: '@koa/bodyparser', keepsRawBody: true }],
  parserWarning: /use Ferry before @koa\/bodyparser/,
  mount(options, { bodyParser: parser, prefix, fallback }) {
    const app = new Koa();
    // Koa prints client errors (the body parser's 400s) otherwise.
    app.silent = true;
    if (parser !== undefined) app.use(bodyParser());
    const middleware = ferry(options, { prefix });
    app.use(middleware);
    app.use(async (ctx) => {
      ctx.respond = false;
      fallback(ctx.req, ctx.res);
    });
    return { listener: app.callback(), gateway: middleware.gateway };
  },
});

// What is Koa's own: the `prefix` option's check, its parser's errors and limits, its 404.
describe('@ferry/koa with Koa specifics', () => {
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
  const serve = async (setup: (app: Koa) => void) => {
    const app = new Koa();
    app.silent = true;
    setup(app);
    const server = await listen(app.callback());
    closers.push(server.close);
    return server.origin;
  };
  const mountFerry = (prefix?: string) => {
    const middleware = ferry(gatewayOptions(), { prefix });
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
      app.use(bodyParser());
      app.use(mountFerry());
    });
  });

  it('rejects a prefix it could not match', () => {
    assert.throws(() => ferry(gatewayOptions(), { prefix: 'llm/' }), /prefix must start with \//);
  });

  it('outside the prefix, Koa answers with its own 404', async () => {
    const mounted = await serve((app) => app.use(mountFerry('/llm')));
    for (const path of ['/v1/chat/completions', '/llmx/v1/chat/completions']) {
      const outside = await post(`${mounted}${path}`, chatBody());
      assert.equal(outside.status, 404);
      assert.equal(await outside.text(), 'Not Found');
    }
  });

  it('behind @koa/bodyparser, invalid JSON is refused by the parser itself, not by Ferry', async () => {
    // This is why the docs say to use Ferry first: the parser's error is plain text.
    const response = await post(`${parsedOrigin}/v1/chat/completions`, '{"model":');
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    await response.arrayBuffer();
  });

  it("behind @koa/bodyparser, its 1 MB limit applies before Ferry's own", async () => {
    const large = chatBody({ padding: 'x'.repeat(1_100_000) });
    const refused = await post(`${parsedOrigin}/v1/chat/completions`, large);
    assert.equal(refused.status, 413);
    await refused.arrayBuffer();
    const accepted = await post(`${origin}/v1/chat/completions`, large);
    assert.equal(accepted.status, 200);
    await accepted.arrayBuffer();
  });
});
