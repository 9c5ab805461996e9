import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createGateway, type Gateway, type GatewayOptions } from '@ferry/core';
import { type MockUpstream, startMockUpstream } from '@ferry/mock-upstream';
import { chatBody, eventData, listen, streamedContent } from '@ferry/mock-upstream/helpers';
import type { AdapterUnderTest, BodyParserCase, MountSetup } from './adapter-under-test.js';

export type { AdapterUnderTest, BodyParserCase, MountedApp, MountSetup } from './adapter-under-test.js';

const upstreamKey = 'sk-upstream-secret';

/** What the app's own fallback answers: proof that Ferry let the request through untouched. */
interface FallbackAnswer {
  handledBy: 'app';
  url: string;
  /** The body as the app could still read it ('' when a parser consumed it first). */
  body: string;
}

function fallback(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  const answer = () => {
    const body: FallbackAnswer = {
      handledBy: 'app',
      url: request.url ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
    };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (request.readableEnded) {
    answer();
    return;
  }
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', answer);
}

const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

async function expectError(response: Response, status: number, code: string) {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, code);
  return body.error;
}

async function expectFallback(response: Response, url: string, body = '') {
  assert.equal(response.status, 200, url);
  assert.deepEqual((await response.json()) as FallbackAnswer, { handledBy: 'app', url, body });
}

/**
 * Registers the adapter conformance suite with node:test: every scenario an adapter must pass,
 * run without a body parser and behind each of the framework's parsers, against a real server
 * and the mock upstream. Call it at the top level of the adapter's test file.
 *
 * @example
 * describeAdapterConformance('@ferry/koa', { bodyParsers, parserWarning, mount });
 */
export function describeAdapterConformance(name: string, adapter: AdapterUnderTest): void {
  const content = `Ferry over ${name}: 你好，世界！`;
  let mock: MockUpstream;
  const closers: Array<() => Promise<void>> = [];
  let requestCount = 0;

  const gatewayOptions = (extra: Partial<GatewayOptions> = {}): GatewayOptions => ({
    // The mock listens on loopback, which only a `local` upstream may reach.
    upstream: { url: mock.url, apiKey: upstreamKey, local: true },
    logger: false,
    ...extra,
  });

  /** Builds, serves and (after all tests) closes an app; returns its origin and gateway. */
  const serve = async (
    ferry: GatewayOptions | Gateway,
    setup: Partial<Omit<MountSetup, 'fallback'>> = {},
  ): Promise<{ origin: string; gateway: Gateway }> => {
    const mounted = adapter.mount(ferry, { bodyParser: undefined, prefix: undefined, ...setup, fallback });
    closers.push(() => mounted.gateway.close());
    const server = await listen(mounted.listener);
    closers.push(server.close);
    return { origin: server.origin, gateway: mounted.gateway };
  };

  /** A fresh request id, and the upstream request that carries it (Ferry propagates the id). */
  const tracked = () => {
    requestCount += 1;
    const id = `conformance-${requestCount}`;
    return { id, upstream: mock.nextRequest((request) => request.headers['x-request-id'] === id) };
  };

  describe(`${name} adapter conformance`, () => {
    before(async () => {
      mock = await startMockUpstream({ content, chunks: 4, apiKey: upstreamKey });
    });
    after(async () => {
      for (const close of closers.reverse()) await close();
      await mock.close();
    });

    const parserCases: Array<BodyParserCase | undefined> = [undefined, ...adapter.bodyParsers];
    for (const parser of parserCases) {
      describe(parser === undefined ? 'without a body parser' : `behind ${parser.name}`, () => {
        let origin: string;
        before(async () => {
          ({ origin } = await serve(gatewayOptions(), { bodyParser: parser?.name }));
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
          // In front of the app, Ferry reads the body before any parser could.
          const exact = adapter.front === true || parser === undefined || parser.keepsRawBody;
          // A parser that kept no bytes: the parsed body is serialised again (equal as JSON).
          assert.equal(upstream.body.toString('utf8'), exact ? sent : JSON.stringify(JSON.parse(sent)));
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

        it('stops the upstream when the client goes away mid-stream', async () => {
          const { id, upstream } = tracked();
          const response = await post(`${origin}/v1/chat/completions`, chatBody({ stream: true }), {
            'x-request-id': id,
            'x-mock-chunks': '1000',
            'x-mock-chunk-interval-ms': '20',
          });
          const reader = response.body!.getReader();
          await reader.read();
          await reader.cancel();
          assert.equal((await (await upstream).closed).completed, false);
        });
      });
    }

    describe('mounting', () => {
      it('works under a prefix and leaves other paths, look-alike prefixes included, to the app', async () => {
        const { origin } = await serve(gatewayOptions(), { prefix: '/llm' });
        const { id, upstream } = tracked();
        const response = await post(`${origin}/llm/v1/chat/completions?trace=1`, chatBody(), {
          'x-request-id': id,
        });
        assert.equal(response.status, 200);
        await response.arrayBuffer();
        assert.equal((await upstream).path, '/v1/chat/completions?trace=1');
        for (const path of ['/v1/chat/completions', '/llmx/v1/chat/completions']) {
          await expectFallback(await post(`${origin}${path}`, '{}'), path, '{}');
        }
      });

      it('passes paths it does not own to the app with their body unread', async () => {
        const { origin } = await serve(gatewayOptions());
        await expectFallback(await fetch(`${origin}/health`), '/health');
        await expectFallback(await post(`${origin}/echo?a=1`, '{"a":1}'), '/echo?a=1', '{"a":1}');
        await expectFallback(await fetch(`${origin}/v1beta/thing`), '/v1beta/thing');
      });

      const warningTest = adapter.front
        ? 'never warns about body parsers: in front of the app, Ferry reads every body first'
        : 'warns once when a body parser read the request first, and not otherwise';
      it(warningTest, async () => {
        const parser = adapter.bodyParsers[0];
        assert.ok(parser, 'the adapter names at least one body parser');
        const warnings: unknown[] = [];
        const behind = await serve(gatewayOptions(), { bodyParser: parser.name });
        const first = await serve(gatewayOptions());
        for (const { gateway } of [behind, first]) {
          gateway.logger.warn = ((message: unknown) => warnings.push(message)) as never;
        }
        for (const origin of [first.origin, first.origin, behind.origin, behind.origin]) {
          const response = await post(`${origin}/v1/chat/completions`, chatBody());
          assert.equal(response.status, 200);
          await response.arrayBuffer();
        }
        if (adapter.front) {
          assert.deepEqual(warnings, []);
          return;
        }
        assert.equal(warnings.length, 1);
        assert.match(String(warnings[0]), adapter.parserWarning);
      });

      it('accepts a gateway built elsewhere', async () => {
        const gateway = createGateway(gatewayOptions());
        const served = await serve(gateway);
        assert.equal(served.gateway, gateway);
        const response = await fetch(`${served.origin}/v1/models`);
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      });
    });

    describe('errors', () => {
      let origin: string;
      const auth = { authorization: 'Bearer sk-client-1' };
      before(async () => {
        ({ origin } = await serve(gatewayOptions({ clientKeys: ['sk-client-1'] })));
      });

      it('answers unknown /v1 routes with an OpenAI-shaped 404', async () => {
        await expectError(await fetch(`${origin}/v1/nothing-here`, { headers: auth }), 404, 'unknown_url');
      });

      it('refuses missing and wrong client keys with 401 and accepts the right one', async () => {
        await expectError(await post(`${origin}/v1/chat/completions`, chatBody()), 401, 'missing_api_key');
        const wrong = await post(`${origin}/v1/chat/completions`, chatBody(), {
          authorization: 'Bearer sk-nope',
        });
        const error = await expectError(wrong, 401, 'invalid_api_key');
        assert.doesNotMatch(JSON.stringify(error), /sk-nope|sk-client-1/);
        const right = await post(`${origin}/v1/chat/completions`, chatBody(), auth);
        assert.equal(right.status, 200);
        await right.arrayBuffer();
      });

      it('answers invalid JSON with an OpenAI-shaped 400 when mounted before body parsers', async () => {
        await expectError(
          await post(`${origin}/v1/chat/completions`, '{"model":', auth),
          400,
          'invalid_json',
        );
      });

      it('answers a body over maxBodyBytes with an OpenAI-shaped 413', async () => {
        const small = await serve(gatewayOptions({ maxBodyBytes: 1_000 }));
        const response = await post(
          `${small.origin}/v1/chat/completions`,
          chatBody({ padding: 'x'.repeat(2_000) }),
        );
        await expectError(response, 413, 'request_too_large');
      });
    });
  });
}
