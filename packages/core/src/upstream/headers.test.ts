import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertServerTiming,
  type GatewayWithMock,
  rawExchange,
  send,
  splitRawResponse,
  startGatewayWithMock,
} from '../testing/index.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';

const clientKey = 'sk-client-canary-19ad';
const upstreamKey = 'sk-upstream-canary-77e0';
// A generated id: the process's random prefix, then a counter.
const generatedId = /^[\w-]{8}-[0-9a-z]+$/;

/** Header names as received, lower-cased, with how often each came. */
const counts = (rawHeaders: string[]) => {
  const seen = new Map<string, number>();
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return seen;
};

describe('headers on the way up and back', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({
      clientKeys: [clientKey],
      upstream: { apiKey: upstreamKey, headers: { 'OpenAI-Organization': 'org-ferry' } },
    });
  });
  after(() => ferry.close());

  it('strips hop-by-hop and credential headers, injects the upstream key and rewrites Host', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[]}';
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const { bytes } = await rawExchange(
      ferry.port,
      [
        'POST /v1/chat/completions HTTP/1.1',
        'Host: gateway.example',
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
        'Connection: close, X-Hop-Listed, x-other-listed',
        'X-Hop-Listed: 1',
        'X-Other-Listed: 2',
        'Keep-Alive: timeout=5',
        'TE: trailers',
        'Upgrade: h2c',
        'Trailer: X-Checksum',
        'Proxy-Authorization: Basic cHJveHk6c2VjcmV0',
        'Proxy-Connection: keep-alive',
        'Proxy-Custom: 1',
        `Authorization: Bearer ${clientKey}`,
        `X-Api-Key: ${clientKey}`,
        'Api-Key: azure-style-key',
        'Cookie: session=secret-cookie',
        'X-Ferry-Internal: spoofed',
        'Accept-Encoding: gzip, br',
        'User-Agent: OpenAI/NodeJS/4.95.0',
        'X-Stainless-Retry-Count: 0',
        'OpenAI-Beta: assistants=v2',
        'X-Request-Id: client-req-123',
        '',
        chunked,
      ].join('\r\n'),
    );
    const { status } = splitRawResponse(bytes);
    assert.equal(status, 200);
    const recorded = await ferry.mock.nextRequest();
    const headers = recorded.headers;
    for (const name of [
      'x-hop-listed',
      'x-other-listed',
      'keep-alive',
      'te',
      'transfer-encoding',
      'upgrade',
      'trailer',
      'proxy-authorization',
      'proxy-connection',
      'proxy-custom',
      'x-api-key',
      'api-key',
      'cookie',
      'x-ferry-internal',
      'accept-encoding',
    ]) {
      assert.equal(headers[name], undefined, `${name} reached the upstream`);
    }
    assert.equal(headers.authorization, `Bearer ${upstreamKey}`);
    assert.equal(headers.host, `127.0.0.1:${ferry.mock.port}`);
    assert.equal(headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(headers['openai-organization'], 'org-ferry');
    assert.equal(headers['user-agent'], 'OpenAI/NodeJS/4.95.0');
    assert.equal(headers['x-stainless-retry-count'], '0');
    assert.equal(headers['openai-beta'], 'assistants=v2');
    assert.equal(headers['x-request-id'], 'client-req-123');
    assert.equal(recorded.body.toString(), body);
    for (const [name, count] of counts(recorded.rawHeaders))
      assert.equal(count, 1, `${name} sent ${count} times`);
    assert.ok(!recorded.rawHeaders.join('\n').includes(clientKey));
  });

  it('keeps the request id when valid and returns it, with the upstream id alongside', async () => {
    const answer = await send(`${ferry.url}/models`, {
      headers: { authorization: `Bearer ${clientKey}`, 'x-request-id': 'trace.abc:42/x=y+z@host' },
    });
    const recorded = await ferry.mock.nextRequest();
    assert.equal(answer.headers['x-request-id'], 'trace.abc:42/x=y+z@host');
    assert.equal(recorded.headers['x-request-id'], 'trace.abc:42/x=y+z@host');
    assert.match(String(answer.headers['x-upstream-request-id']), /^mock-req-\d+$/);
    assertServerTiming(answer);
  });

  it('generates a request id when none or an invalid one is sent', async () => {
    const generated = new Set<string>();
    for (const presented of [undefined, 'has spaces in it', 'x'.repeat(500), 'new\u00e9line', '']) {
      const headers: Record<string, string> = { authorization: `Bearer ${clientKey}` };
      if (presented !== undefined) headers['x-request-id'] = presented;
      const answer = await send(`${ferry.url}/models`, { headers });
      const recorded = await ferry.mock.nextRequest();
      const id = String(answer.headers['x-request-id']);
      assert.match(id, generatedId, `for ${JSON.stringify(presented)}`);
      assert.equal(recorded.headers['x-request-id'], id);
      generated.add(id);
    }
    assert.equal(generated.size, 5, 'every generated id is new');
  });

  it('puts x-request-id and Server-Timing on error answers too', async () => {
    const answer = await send(`${ferry.url}/models`, { headers: { 'x-request-id': 'unauthorised-1' } });
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['x-request-id'], 'unauthorised-1');
    assertServerTiming(answer);
    const missing = await send(`${ferry.url}/unknown`);
    assert.equal(missing.status, 404);
    assert.match(String(missing.headers['x-request-id']), generatedId);
    assertServerTiming(missing);
  });

  it('puts Server-Timing on streamed answers', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { authorization: `Bearer ${clientKey}` },
      body: { model: 'gpt-4o-mini', messages: [], stream: true },
    });
    assert.equal(answer.status, 200);
    assertServerTiming(answer);
  });
});

describe('header functions', () => {
  it('drops headers an upstream response lists in Connection, hop-by-hop ones and set-cookie', () => {
    const headers = clientResponseHeaders(
      {
        connection: 'keep-alive, x-upstream-hop',
        'x-upstream-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'application/json',
        'content-length': '12',
        'x-request-id': 'req_up',
        'openai-processing-ms': '120',
        vary: ['Origin', 'Accept'],
      },
      true,
    );
    assert.deepEqual(headers, {
      'content-type': 'application/json',
      'content-length': '12',
      'x-upstream-request-id': 'req_up',
      'openai-processing-ms': '120',
      vary: 'Origin, Accept',
    });
    assert.equal(clientResponseHeaders({ 'content-length': '12' }, false)['content-length'], undefined);
  });

  it('builds upstream headers without the client credentials', () => {
    const headers = upstreamRequestHeaders(
      {
        authorization: 'Bearer client',
        connection: 'close, x-listed',
        'x-listed': '1',
        expect: '100-continue',
        te: 'trailers',
        upgrade: 'h2c',
        host: 'gateway.example',
        'content-length': '10',
        'content-type': 'application/json',
      },
      { authorization: 'Bearer upstream', headers: { 'x-extra': '1' } },
      'id-1',
    );
    assert.deepEqual(headers, {
      'content-type': 'application/json',
      'x-extra': '1',
      authorization: 'Bearer upstream',
      'x-request-id': 'id-1',
    });
  });
});
