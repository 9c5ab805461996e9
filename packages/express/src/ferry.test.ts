import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGateway, type GatewayOptions } from '@ferry/core';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { chatBody, eventData, listen, streamedContent } from '@ferry/mock-upstream/helpers';
import express, { type Request } from 'express';
import { ferry } from './index.js';

const content = 'Ferry over Express: 你好，世界！';
const upstreamKey = 'sk-upstream-secret';

let mock: MockUpstream;
const closers: Array<() => Promise<void>> = [];

before(async () => {
  mock = await startMockUpstream({ content, chunks: 4, apiKey: upstreamKey });
});
after(async () => {
  for (const close of closers.reverse()) await close();
  await mock.close();
});

const gatewayOptions = (extra: Partial<GatewayOptions> = {}): GatewayOptions => ({
  // The mock listens on loopback, which only a `local` upstream may reach.
  upstream: { url: mock.url, apiKey: upstreamKey, local: true },
  logger: false,
  ...extra,
});

/** Starts an Express app built by `setup` and returns its origin; closed after all tests. */
async function serve(setup: (app: express.Express) => void): Promise<string> {
  const app = express();
  // Quiets Express's default error handler, which prints the body parser's errors otherwise.
  app.set('env', 'test');
  setup(app);
  const server = await listen(app);
  closers.push(server.close);
  return server.origin;
}

function mountFerry(extra: Partial<GatewayOptions> = {}) {
  const middleware = ferry(gatewayOptions(extra));
  closers.push(middleware.close);
  return middleware;
}

const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

let requestCount = 0;
/** A fresh request id, and the upstream request that carries it (Ferry propagates the id). */
function tracked() {
  requestCount += 1;
  const id = `express-test-${requestCount}`;
  return { id, upstream: mock.nextRequest((request) => request.headers['x-request-id'] === id) };
}

const rawBodyParser = () =>
  express.json({
    verify: (request, _response, bytes) => {
      (request as Request & { rawBody?: Buffer }).rawBody = bytes;
    },
  });

const bodyParsers = [
  { name: 'without a body parser', parser: undefined },
  { name: 'behind express.json()', parser: () => express.json() },
  { name: 'behind express.json({ verify }) keeping rawBody', parser: rawBodyParser },
] as const;

for (const { name, parser } of bodyParsers) {
  describe(`@ferry/express ${name}`, () => {
    let origin: string;
    before(async () => {
      origin = await serve((app) => {
        if (parser) app.use(parser());
        app.use(mountFerry());
      });
    });

    it('forwards a non-stream chat completion', async () => {
      const { id, upstream } = tracked();
      const response = await post(`${origin}/v1/chat/completions`, chatBody(), { 'x-request-id': id });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-request-id'), id);
      const answer = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      assert.equal(answer.choices[0]?.message.content, content);
      assert.match(response.headers.get('server-timing') ?? '', /^gateway;dur=/);
      assert.equal((await upstream).path, '/v1/chat/completions');
    });

    it('relays a stream to [DONE]', async () => {
      const response = await post(`${origin}/v1/chat/completions`, chatBody({ stream: true }));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const text = await response.text();
      assert.equal(streamedContent(text), content);
      assert.equal(eventData(text).at(-1), '[DONE]');
    });

    it('sends the upstream the body and its own key, never the client credentials', async () => {
      // Spaced-out JSON: only a byte-exact path keeps the spaces.
      const sent = '{ "model": "gpt-4o-mini",  "messages": [ { "role": "user", "content": "héllo" } ] }';
      const { id, upstream: recorded } = tracked();
      const response = await post(`${origin}/v1/chat/completions`, sent, {
        'x-request-id': id,
        authorization: 'Bearer sk-client-key',
        'x-api-key': 'sk-client-key',
        cookie: 'session=1',
        'x-custom': 'kept',
      });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      const upstream = await recorded;
      assert.equal(upstream.headers.authorization, `Bearer ${upstreamKey}`);
      assert.equal(upstream.headers['x-api-key'], undefined);
      assert.equal(upstream.headers.cookie, undefined);
      assert.equal(upstream.headers['x-custom'], 'kept');
      if (parser === undefined || parser === rawBodyParser) {
        assert.equal(upstream.body.toString('utf8'), sent);
      } else {
        // express.json() kept no bytes: the parsed body is serialised again (equal as JSON).
        assert.equal(upstream.body.toString('utf8'), JSON.stringify(JSON.parse(sent)));
      }
    });

    it('forwards embeddings and lists models', async () => {
      const embeddings = await post(
        `${origin}/v1/embeddings`,
        JSON.stringify({ model: 'text-embedding-3-small', input: 'hi' }),
      );
      assert.equal(embeddings.status, 200);
      const vectors = (await embeddings.json()) as { data: Array<{ embedding: number[] }> };
      assert.ok((vectors.data[0]?.embedding.length ?? 0) > 0);
      const models = await fetch(`${origin}/v1/models`);
      assert.equal(models.status, 200);
      const list = (await models.json()) as { data: Array<{ id: string }> };
      assert.ok(list.data.some((model) => model.id === 'gpt-4o-mini'));
    });
  });
}

describe('@ferry/express mounting', () => {
  it('works under a prefix and leaves the unprefixed path to the app', async () => {
    const origin = await serve((app) => app.use('/llm', mountFerry()));
    const { id, upstream: recorded } = tracked();
    const response = await post(`${origin}/llm/v1/chat/completions`, chatBody(), { 'x-request-id': id });
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    assert.equal((await recorded).path, '/v1/chat/completions');
    // Outside the mount Ferry is not involved: Express answers with its own 404 page.
    const outside = await post(`${origin}/v1/chat/completions`, chatBody());
    assert.equal(outside.status, 404);
    assert.match(outside.headers.get('content-type') ?? '', /^text\/html/);
  });

  it('passes paths it does not own to the app routes, before and after it', async () => {
    const origin = await serve((app) => {
      app.use(mountFerry());
      app.use(express.json());
      app.get('/health', (_request, response) => {
        response.json({ status: 'ok' });
      });
      app.post('/echo', (request, response) => {
        response.json(request.body);
      });
      app.get('/v1beta/thing', (_request, response) => {
        response.send('app route');
      });
    });
    const health = await fetch(`${origin}/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const echo = await post(`${origin}/echo`, '{"a":1}');
    assert.deepEqual(await echo.json(), { a: 1 });
    const lookalike = await fetch(`${origin}/v1beta/thing`);
    assert.equal(await lookalike.text(), 'app route');
  });

  it('warns once when a body parser read the request first, and not otherwise', async () => {
    const warnings: unknown[] = [];
    const behind = mountFerry();
    const first = mountFerry();
    for (const middleware of [behind, first]) {
      middleware.gateway.logger.warn = ((message: unknown) => warnings.push(message)) as never;
    }
    const behindOrigin = await serve((app) => {
      app.use(express.json());
      app.use(behind);
    });
    const firstOrigin = await serve((app) => {
      app.use(first);
      app.use(express.json());
    });
    for (const origin of [firstOrigin, firstOrigin, behindOrigin, behindOrigin]) {
      const response = await post(`${origin}/v1/chat/completions`, chatBody());
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]), /mount Ferry before express\.json\(\)/);
  });

  it('accepts a gateway built elsewhere', async () => {
    const gateway = createGateway(gatewayOptions());
    const middleware = ferry(gateway);
    closers.push(middleware.close);
    assert.equal(middleware.gateway, gateway);
    const origin = await serve((app) => app.use(middleware));
    const response = await fetch(`${origin}/v1/models`);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  });
});

describe('@ferry/express errors', () => {
  let origin: string;
  let parsedOrigin: string;
  before(async () => {
    origin = await serve((app) => app.use(mountFerry({ clientKeys: ['sk-client-1'] })));
    parsedOrigin = await serve((app) => {
      app.use(express.json());
      app.use(mountFerry());
    });
  });

  const expectError = async (response: Response, status: number, code: string) => {
    assert.equal(response.status, status);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.code, code);
    return body.error;
  };

  it('answers unknown /v1 routes with an OpenAI-shaped 404', async () => {
    const auth = { authorization: 'Bearer sk-client-1' };
    await expectError(await fetch(`${origin}/v1/nothing-here`, { headers: auth }), 404, 'unknown_url');
  });

  it('refuses missing and wrong client keys with 401 and accepts the right one', async () => {
    await expectError(await post(`${origin}/v1/chat/completions`, chatBody()), 401, 'missing_api_key');
    const wrong = await post(`${origin}/v1/chat/completions`, chatBody(), {
      authorization: 'Bearer sk-nope',
    });
    const error = await expectError(wrong, 401, 'invalid_api_key');
    assert.doesNotMatch(JSON.stringify(error), /sk-nope|sk-client-1/);
    const right = await post(`${origin}/v1/chat/completions`, chatBody(), {
      authorization: 'Bearer sk-client-1',
    });
    assert.equal(right.status, 200);
    await right.arrayBuffer();
  });

  it('answers invalid JSON with an OpenAI-shaped 400 when mounted before body parsers', async () => {
    const response = await post(`${origin}/v1/chat/completions`, '{"model":', {
      authorization: 'Bearer sk-client-1',
    });
    await expectError(response, 400, 'invalid_json');
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
    const accepted = await post(`${origin}/v1/chat/completions`, large, {
      authorization: 'Bearer sk-client-1',
    });
    assert.equal(accepted.status, 200);
    await accepted.arrayBuffer();
  });

  it('answers a body over maxBodyBytes with an OpenAI-shaped 413', async () => {
    const small = await serve((app) => app.use(mountFerry({ maxBodyBytes: 1_000 })));
    const response = await post(`${small}/v1/chat/completions`, chatBody({ padding: 'x'.repeat(2_000) }));
    await expectError(response, 413, 'request_too_large');
  });

  it('stops the upstream when the client goes away mid-stream', async () => {
    const { id, upstream: recorded } = tracked();
    const response = await post(`${parsedOrigin}/v1/chat/completions`, chatBody({ stream: true }), {
      'x-request-id': id,
      'x-mock-chunks': '1000',
      'x-mock-chunk-interval-ms': '20',
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    assert.equal((await (await recorded).closed).completed, false);
  });
});
