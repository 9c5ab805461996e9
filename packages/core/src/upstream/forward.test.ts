import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type GatewayWithMock,
  rawExchange,
  splitRawResponse,
  startGatewayWithMock,
} from '../testing/index.js';

describe('forward: request bodies', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({ allowedPaths: ['/v1/files/*'] });
  });
  after(() => ferry.close());

  const exchange = async (method: string, path: string, body: string, contentType?: string) => {
    const { bytes } = await rawExchange(
      ferry.port,
      `${method} /v1${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
        (contentType === undefined ? '' : `Content-Type: ${contentType}\r\n`) +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    return splitRawResponse(bytes);
  };

  it('sends no body and adds no content type upstream for GET /models, even when the client sent one', async () => {
    for (const contentType of [undefined, 'application/json']) {
      const answer = await exchange('GET', '/models', '{"model":"gpt-4o-mini"}', contentType);
      assert.equal(answer.status, 200);
      const upstream = ferry.mock.requests.at(-1);
      assert.equal(upstream?.path, '/v1/models');
      assert.equal(upstream?.body.byteLength, 0);
      assert.equal(upstream?.headers['content-type'], undefined);
      assert.equal(upstream?.headers['content-length'], undefined);
      assert.equal(upstream?.headers['transfer-encoding'], undefined);
    }
  });

  it('sends no body for DELETE and GET through an allowed wildcard', async () => {
    for (const method of ['DELETE', 'GET']) {
      await exchange(method, '/files/file-1', '{"x":1}', 'application/json');
      const upstream = ferry.mock.requests.at(-1);
      assert.equal(upstream?.method, method);
      assert.equal(upstream?.body.byteLength, 0);
      assert.equal(upstream?.headers['content-type'], undefined);
    }
  });

  it('still sends a JSON route its body with a content type', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';
    const answer = await exchange('POST', '/chat/completions', body);
    assert.equal(answer.status, 200);
    const upstream = ferry.mock.requests.at(-1);
    assert.equal(upstream?.body.toString(), body);
    assert.equal(upstream?.headers['content-type'], 'application/json');
  });
});
