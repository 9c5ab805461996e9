import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { GatewayResponse } from '../types.js';
import { writeResponse } from './write-response.js';

const encoder = new TextEncoder();
const lastEvent =
  'data: {"error":{"message":"upstream failed","type":"server_error","param":null,"code":"x"}}\n\n';

/** Serves one response through writeResponse and reads it with a plain Node client. */
async function exchange(answer: () => GatewayResponse) {
  const server = createServer((_request, response) => {
    void writeResponse(response, answer());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const request = get(`http://127.0.0.1:${port}/`);
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    // 'error' (aborted) or 'end': either way 'close' comes last.
    response.on('error', () => {});
    await new Promise((resolve) => response.once('close', resolve));
    return { text, complete: response.complete };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('writeResponse', () => {
  it('relays a streamed body and ends it cleanly', async () => {
    const { text, complete } = await exchange(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        yield encoder.encode('data: 1\n\n');
        yield encoder.encode('data: [DONE]\n\n');
      })(),
    }));
    assert.equal(text, 'data: 1\n\ndata: [DONE]\n\n');
    assert.equal(complete, true);
  });

  it('delivers the last bytes before a body failure, then aborts the connection', async () => {
    // The relay yields its error event and then throws: the event must reach the client (Node
    // corks the socket until the next tick, so destroying at once would drop it) and the
    // response must still end without its terminating chunk.
    const { text, complete } = await exchange(() => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: (async function* () {
        yield encoder.encode('data: 1\n\n');
        yield encoder.encode(lastEvent);
        throw new Error('upstream reset');
      })(),
    }));
    assert.equal(text, `data: 1\n\n${lastEvent}`);
    assert.equal(complete, false);
  });
});
