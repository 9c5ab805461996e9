import type { ServerResponse } from 'node:http';
import type { GatewayResponse } from '../types.js';

/** Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind. */
function drainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/**
 * Writes a gateway response to Node, honouring backpressure: when the client reads slowly,
 * the loop stops pulling from the upstream, whose socket then pauses too. A body that fails
 * midway destroys the connection, so the client sees an abort, never a clean end.
 */
export async function writeResponse(response: ServerResponse, answer: GatewayResponse): Promise<void> {
  const body = answer.body;
  if (body === undefined || body instanceof Uint8Array) {
    answer.headers['content-length'] = String(body?.byteLength ?? 0);
    response.writeHead(answer.status, answer.headers);
    response.end(body);
    return;
  }
  response.writeHead(answer.status, answer.headers);
  try {
    for await (const chunk of body) {
      // Leaving the loop calls the body's return(): the upstream request is released at once.
      if (response.destroyed) break;
      if (!response.write(chunk)) await drainOrClose(response);
    }
    if (!response.destroyed) response.end();
  } catch {
    abortAfterFlush(response);
  }
}

/** How long an aborted response may take to flush its last bytes before the socket is cut. */
const flushGraceMs = 5_000;

/**
 * Ends the connection without the chunked terminator, so the client sees an abort, but only
 * after the bytes already written (the `data: {"error":...}` event) have left: Node corks the
 * socket until the next tick, and `destroy()` alone would drop them.
 */
function abortAfterFlush(response: ServerResponse): void {
  const socket = response.socket;
  if (socket === null || socket.destroyed) {
    response.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), flushGraceMs).unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('finish', () => socket.destroy());
  socket.end();
}
