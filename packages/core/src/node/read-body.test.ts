import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  assertErrorAnswer,
  type GatewayWithMock,
  rawExchange,
  send,
  splitRawResponse,
  startGatewayWithMock,
} from '../testing/index.js';

const limit = 1024;

describe('request body limit', () => {
  let ferry: GatewayWithMock;
  before(async () => {
    ferry = await startGatewayWithMock({ maxBodyBytes: limit });
  });
  after(() => ferry.close());

  const bigBody = () =>
    JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(limit) }] });

  it('answers 413 for a body over the limit', async () => {
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body: bigBody(),
    });
    assertErrorAnswer(answer, 413, 'request_too_large', { type: 'invalid_request_error' });
    assert.equal(answer.headers.connection, 'close');
    assert.equal(ferry.mock.requests.length, 0);
  });

  it('accepts a body exactly at the limit', async () => {
    const base = JSON.stringify({ model: 'gpt-4o-mini', messages: [], pad: '' });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [], pad: 'x'.repeat(limit - base.length) });
    assert.equal(Buffer.byteLength(body), limit);
    const answer = await send(`${ferry.url}/chat/completions`, {
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(answer.status, 200);
    assert.equal((await ferry.mock.nextRequest()).body.toString(), body);
  });

  it('refuses a declared Content-Length over the limit before a byte of the body arrives', async () => {
    // Only the head is sent: the answer can only come from the declared length.
    const { bytes, ending } = await rawExchange(
      ferry.port,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: ferry\r\nContent-Type: application/json\r\n' +
        'Content-Length: 10000000\r\n\r\n',
    );
    const { status, head, body } = splitRawResponse(bytes);
    assert.equal(status, 413);
    assert.match(head, /\r\nconnection: close(\r\n|$)/i);
    assert.equal(JSON.parse(body.toString()).error.code, 'request_too_large');
    assert.equal(ending, 'end');
  });

  it('stops reading a chunked body once it passes the limit and closes the connection', async () => {
    const socket = connect(ferry.port, '127.0.0.1');
    await once(socket, 'connect');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<string>((resolve) => {
      socket.once('end', () => resolve('end'));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: ferry\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n',
    );
    // One chunk over the limit, and no terminating chunk: the body never ends.
    const chunk = `{"model":"m","pad":"${'x'.repeat(limit)}`;
    socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
    assert.equal(await ended, 'end');
    socket.destroy();
    const { status, body } = splitRawResponse(Buffer.concat(received));
    assert.equal(status, 413);
    assert.match(body.toString(), /request_too_large/);
    assert.equal(ferry.mock.requests.length, 1);
  });
});
