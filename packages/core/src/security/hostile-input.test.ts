import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertErrorAnswer,
  type GatewayWithMock,
  rawExchange,
  send,
  splitRawResponse,
  startGatewayWithMock,
} from '../testing/index.js';

const limit = 512 * 1024;
const chatPath = '/v1/chat/completions';

/** A raw HTTP/1.1 request to the chat route with the given extra head lines and body. */
const rawRequest = (headLines: string[], body = '') =>
  `POST ${chatPath} HTTP/1.1\r\n${headLines.map((line) => `${line}\r\n`).join('')}\r\n${body}`;

describe('hostile input', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({ maxBodyBytes: limit });
  });
  after(() => ferry.close());

  /** Runs `attempt` and asserts the upstream received nothing during it. */
  const nothingUpstream = async <T>(attempt: () => Promise<T>): Promise<T> => {
    const before = ferry.mock.requests.length;
    const result = await attempt();
    assert.equal(ferry.mock.requests.length, before, 'nothing reached the upstream');
    return result;
  };

  it('malformed JSON: 400 invalid_json', async () => {
    for (const body of ['{"model":', '{"model":"gpt-4o-mini",}', '\u0000', '{"a":"\ud800"', 'nul']) {
      const answer = await nothingUpstream(() =>
        send(`${ferry.origin}${chatPath}`, { headers: { 'content-type': 'application/json' }, body }),
      );
      assertErrorAnswer(answer, 400, 'invalid_json');
    }
  });

  it('wrong content type: 415 unsupported_media_type', async () => {
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await nothingUpstream(() =>
        send(`${ferry.origin}${chatPath}`, {
          headers: { 'content-type': contentType },
          body: '{"model":"m"}',
        }),
      );
      assertErrorAnswer(answer, 415, 'unsupported_media_type');
    }
  });

  it('deep nesting (100,000 arrays): no stack overflow, the gateway keeps serving', async () => {
    const depth = 100_000;
    const body = `{"model":"gpt-4o-mini","messages":[],"metadata":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const nested = await send(`${ferry.origin}${chatPath}`, {
      headers: { 'content-type': 'application/json' },
      body,
    });
    // JSON.parse is iterative in V8, and the bytes go upstream as they came (nothing re-encodes
    // them): the upstream answers. With the content filter on, such a body is refused instead
    // (see content-filter.test.ts).
    assert.equal(nested.status, 200, nested.text.slice(0, 200));
    assert.equal(ferry.mock.requests.at(-1)?.body.byteLength, Buffer.byteLength(body));
    const after = await send(`${ferry.origin}/v1/models`);
    assert.equal(after.status, 200);
  });

  it('body over the limit, declared: 413 before reading it', async () => {
    const { bytes } = await nothingUpstream(() =>
      rawExchange(
        ferry.port,
        rawRequest(['Host: ferry', 'Content-Type: application/json', `Content-Length: ${limit * 100}`]),
      ),
    );
    const { status, body } = splitRawResponse(bytes);
    assert.equal(status, 413);
    assert.equal(JSON.parse(body.toString()).error.code, 'request_too_large');
  });

  it('body over the limit, chunked (no length declared): 413', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = Array.from({ length: 10 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const { bytes } = await nothingUpstream(() =>
      rawExchange(
        ferry.port,
        rawRequest(
          ['Host: ferry', 'Content-Type: application/json', 'Transfer-Encoding: chunked'],
          `${chunks}0\r\n\r\n`,
        ),
      ),
    );
    const { status, body } = splitRawResponse(bytes);
    assert.equal(status, 413);
    assert.equal(JSON.parse(body.toString()).error.code, 'request_too_large');
  });

  it('CRLF injected into a header value: Node answers 400 and closes, nothing upstream', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[]}';
    for (const line of [
      'X-Test: a\rInjected: b',
      'X-Test: a\nInjected: b',
      'X-Test: a\r\n Injected: folded',
    ]) {
      const { bytes, ending } = await nothingUpstream(() =>
        rawExchange(
          ferry.port,
          rawRequest(
            ['Host: ferry', line, 'Content-Type: application/json', `Content-Length: ${body.length}`],
            body,
          ),
        ),
      );
      assert.equal(splitRawResponse(bytes).status, 400, `for ${JSON.stringify(line)}`);
      assert.ok(ending === 'end' || ending === 'ECONNRESET');
    }
  });

  it('duplicate Content-Length headers: Node answers 400, nothing upstream', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[]}';
    for (const lengths of [
      [body.length, body.length + 5],
      [body.length, body.length],
    ]) {
      const { bytes } = await nothingUpstream(() =>
        rawExchange(
          ferry.port,
          rawRequest(
            [
              'Host: ferry',
              'Content-Type: application/json',
              ...lengths.map((length) => `Content-Length: ${length}`),
            ],
            body,
          ),
        ),
      );
      assert.equal(splitRawResponse(bytes).status, 400, `lengths ${lengths.join(', ')}`);
    }
  });

  it('Content-Length together with Transfer-Encoding (smuggling): Node answers 400, nothing upstream', async () => {
    const { bytes } = await nothingUpstream(() =>
      rawExchange(
        ferry.port,
        rawRequest(
          [
            'Host: ferry',
            'Content-Type: application/json',
            'Content-Length: 4',
            'Transfer-Encoding: chunked',
          ],
          '0\r\n\r\n',
        ),
      ),
    );
    assert.equal(splitRawResponse(bytes).status, 400);
  });

  it('duplicate Host headers: the upstream still gets its own Host, and only one request', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[]}';
    const before = ferry.mock.requests.length;
    const { bytes } = await rawExchange(
      ferry.port,
      rawRequest(
        [
          'Host: ferry',
          'Host: evil.example',
          'Content-Type: application/json',
          `Content-Length: ${body.length}`,
          'Connection: close',
        ],
        body,
      ),
    );
    // Node keeps the first Host and drops the duplicate; Ferry never forwards the client's Host.
    assert.equal(splitRawResponse(bytes).status, 200);
    assert.equal(ferry.mock.requests.length, before + 1);
    const upstream = ferry.mock.requests.at(-1);
    assert.equal(upstream?.headers.host, new URL(ferry.mock.url).host);
  });
});
