import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type GatewayWithMock,
  send,
  startGatewayServer,
  startGatewayWithMock,
  startRawUpstream,
} from './testing/index.js';

const messages = [{ role: 'user', content: 'Say hello' }];

describe('forwarding through the core', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({ allowedPaths: ['/v1/files'] }, { chunks: 3, content: 'Hi there' });
  });
  after(() => ferry.close());

  it('forwards a non-stream chat completion and returns the upstream body unchanged', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, { body: { model: 'gpt-4o-mini', messages } });
    const recorded = await ferry.mock.nextRequest();
    assert.equal(answer.status, 200);
    assert.equal(recorded.method, 'POST');
    assert.equal(recorded.path, '/v1/chat/completions');
    assert.deepEqual(recorded.json, { model: 'gpt-4o-mini', messages });
    const body = answer.json as { object: string; choices: Array<{ message: { content: string } }> };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0]?.message.content, 'Hi there');
    assert.equal(answer.headers['content-type'], 'application/json');
  });

  it('relays a streamed chat completion as server-sent events ending in [DONE]', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      body: { model: 'gpt-4o-mini', messages, stream: true },
    });
    // The control for the abort tests: a stream read to its end completes upstream.
    assert.equal((await (await ferry.mock.nextRequest()).closed).completed, true);
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/event-stream/);
    const events = answer.text.split('\n\n').filter((event) => event !== '');
    assert.equal(events.at(-1), 'data: [DONE]');
    const content = events
      .slice(0, -1)
      .map((event) => JSON.parse(event.slice('data: '.length)).choices[0]?.delta?.content ?? '')
      .join('');
    assert.equal(content, 'Hi there');
  });

  it('forwards legacy completions', async () => {
    const answer = await send(`${ferry.url}/completions`, { body: { model: 'gpt-4o-mini', prompt: 'Hi' } });
    const recorded = await ferry.mock.nextRequest();
    assert.equal(answer.status, 200);
    assert.equal(recorded.path, '/v1/completions');
    assert.equal((answer.json as { object: string }).object, 'text_completion');
  });

  it('forwards embeddings', async () => {
    const answer = await send(`${ferry.url}/embeddings`, {
      body: { model: 'text-embedding-3-small', input: 'hello' },
    });
    const recorded = await ferry.mock.nextRequest();
    assert.equal(answer.status, 200);
    assert.equal(recorded.path, '/v1/embeddings');
    const body = answer.json as { data: Array<{ embedding: number[] }> };
    assert.ok(Array.isArray(body.data[0]?.embedding));
  });

  it('relays a streamed Responses API call', async () => {
    const answer = await send(`${ferry.url}/responses`, {
      body: { model: 'gpt-4o-mini', input: 'Hi', stream: true },
    });
    const recorded = await ferry.mock.nextRequest();
    assert.equal(answer.status, 200);
    assert.equal(recorded.path, '/v1/responses');
    assert.match(String(answer.headers['content-type']), /^text\/event-stream/);
    assert.match(answer.text, /response\.completed/);
  });

  it('forwards GET /v1/models with its query string', async () => {
    const answer = await send(`${ferry.url}/models?limit=2&after=x%20y`);
    const recorded = await ferry.mock.nextRequest();
    assert.equal(answer.status, 200);
    assert.equal(recorded.method, 'GET');
    assert.equal(recorded.path, '/v1/models?limit=2&after=x%20y');
    assert.equal(recorded.body.byteLength, 0);
    assert.equal((answer.json as { object: string }).object, 'list');
  });

  it('forwards the query string of a POST', async () => {
    await send(`${ferry.url}/chat/completions?api-version=2024-06-01`, {
      body: { model: 'gpt-4o-mini', messages },
    });
    const recorded = await ferry.mock.nextRequest();
    assert.equal(recorded.path, '/v1/chat/completions?api-version=2024-06-01');
  });

  it('forwards an allowlisted extra path and passes the upstream answer through', async () => {
    const answer = await send(`${ferry.url}/files?purpose=batch`);
    const recorded = await ferry.mock.nextRequest();
    assert.equal(recorded.path, '/v1/files?purpose=batch');
    // The mock has no files endpoint: its own 404 comes back unchanged.
    assert.equal(answer.status, 404);
    assert.equal((answer.json as { error: { code: string } }).error.code, 'unknown_url');
  });

  it('answers 404 for a /v1 path that is not allowlisted, without calling the upstream', async () => {
    const before = ferry.mock.requests.length;
    const answer = await send(`${ferry.url}/batches`);
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.json, {
      error: {
        message: 'Unknown request URL: GET /v1/batches.',
        type: 'invalid_request_error',
        param: null,
        code: 'unknown_url',
      },
    });
    assert.equal(ferry.mock.requests.length, before);
  });

  it('answers 404 for a known route under another prefix of the same length', async () => {
    const before = ferry.mock.requests.length;
    for (const path of ['/v2/chat/completions', '/xx/models']) {
      const answer = await send(`${ferry.origin}${path}`, {
        method: path.endsWith('models') ? 'GET' : 'POST',
        ...(path.endsWith('models') ? {} : { body: { model: 'gpt-4o-mini', messages } }),
      });
      assert.equal(answer.status, 404, path);
    }
    assert.equal(ferry.mock.requests.length, before);
  });

  it('answers 405 with Allow for a known path called with the wrong method', async () => {
    const answer = await send(`${ferry.url}/chat/completions`);
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.allow, 'POST');
    assert.equal((answer.json as { error: { code: string } }).error.code, 'method_not_allowed');
    const models = await send(`${ferry.url}/models`, { method: 'POST', body: {} });
    assert.equal(models.status, 405);
    assert.equal(models.headers.allow, 'GET');
  });

  it('owns only paths inside its API base', () => {
    assert.equal(ferry.gateway.owns('/v1/chat/completions'), true);
    assert.equal(ferry.gateway.owns('/v1'), true);
    assert.equal(ferry.gateway.owns('/v10/models'), false);
    assert.equal(ferry.gateway.owns('/health'), false);
  });
});

describe('base paths', () => {
  it('serves under a custom base path and maps it onto the upstream base path', async () => {
    const seen: string[] = [];
    const upstream = await startRawUpstream((request, response) => {
      seen.push(request.url ?? '');
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"object":"list","data":[]}');
    });
    const ferry = await startGatewayServer({
      basePath: '/ai/openai',
      upstream: { local: true, url: `${upstream.origin}/proxy/v1/` },
    });
    try {
      assert.equal(ferry.url, `${ferry.origin}/ai/openai`);
      assert.equal((await send(`${ferry.url}/models?x=1`)).status, 200);
      assert.equal((await send(`${ferry.url}/chat/completions`, { body: { model: 'm' } })).status, 200);
      assert.deepEqual(seen, ['/proxy/v1/models?x=1', '/proxy/v1/chat/completions']);
      assert.equal((await send(`${ferry.origin}/v1/models`)).status, 404);
      assert.equal(ferry.gateway.owns('/ai/openai/models'), true);
      assert.equal(ferry.gateway.owns('/v1/models'), false);
    } finally {
      await ferry.close();
      await upstream.close();
    }
  });
});
