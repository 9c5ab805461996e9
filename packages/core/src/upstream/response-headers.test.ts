import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type GatewayServer,
  type RawUpstream,
  rawExchange,
  splitRawResponse,
  startGatewayServer,
  startRawUpstream,
} from '../testing/index.js';

const body = '{"object":"list","data":[]}';

/** The header lines of a raw response head, as `name: value` strings (status line left out). */
const headerLines = (head: string) => head.split('\r\n').slice(1);

describe('upstream response headers as the client receives them', () => {
  let upstream: RawUpstream;
  let ferry: GatewayServer;

  before(async () => {
    upstream = await startRawUpstream((_request, response) => {
      // A flat list keeps the upstream's own case and repeated names on the wire.
      response.writeHead(200, [
        'Content-Type',
        'application/json',
        'X-Mixed-Case',
        'A',
        'X-Repeat',
        '1',
        'x-repeat',
        '2',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
        'Connection',
        'keep-alive, X-Hop',
        'X-Hop',
        'h',
        'X-Latin',
        'caf\u00e9',
        'X-Request-Id',
        'up-1',
        'Content-Length',
        String(body.length),
      ]);
      // A Buffer, not a string: Node would encode the head with the string body's UTF-8.
      response.end(Buffer.from(body));
    });
    ferry = await startGatewayServer({ upstream: { url: upstream.url, local: true } });
  });

  after(async () => {
    await ferry.close();
    await upstream.close();
  });

  it('lower-cases names, joins repeated values, keeps latin1 bytes, drops set-cookie and Connection-listed headers', async () => {
    const { bytes } = await rawExchange(
      ferry.port,
      'GET /v1/models HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n',
    );
    const { head, status, body: received } = splitRawResponse(bytes);
    assert.equal(status, 200);
    const lines = headerLines(head);
    assert.ok(lines.includes('x-mixed-case: A'), head);
    assert.ok(lines.includes('x-repeat: 1, 2'), head);
    // The head is decoded as latin1: the upstream's 0xE9 byte came back as the same byte.
    assert.ok(lines.includes('x-latin: caf\u00e9'), head);
    assert.ok(lines.includes('x-upstream-request-id: up-1'), head);
    assert.ok(lines.includes(`content-length: ${body.length}`), head);
    assert.equal(lines.filter((line) => /^x-repeat:/i.test(line)).length, 1, head);
    for (const dropped of [/^set-cookie:/i, /^x-hop:/i, /^keep-alive:/i]) {
      assert.ok(!lines.some((line) => dropped.test(line)), `${dropped} in\n${head}`);
    }
    assert.equal(received.toString(), body);
  });
});
