import type { ServerResponse } from 'node:http';
import type { GatewayResponse } from '../types.js';

/** How a response write ended: `stalled` when the client stopped reading and was cut off. */
export type WriteOutcome = 'done' | 'stalled';

/**
 * Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind; with a
 * timeout (> 0), resolves `true` when neither came in time. The timer exists only while a write
 * is blocked, so a client that keeps up costs no timer per chunk.
 */
function drainOrClose(response: ServerResponse, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (stalled: boolean) => {
      if (timer !== undefined) clearTimeout(timer);
      response.off('drain', done);
      response.off('close', done);
      resolve(stalled);
    };
    const done = () => finish(false);
    response.on('drain', done);
    response.on('close', done);
    if (timeoutMs > 0) timer = setTimeout(finish, timeoutMs, true);
  });
}

/**
 * Writes a gateway response to Node, honouring backpressure: when the client reads slowly,
 * the loop stops pulling from the upstream, whose socket then pauses too. A body that fails
 * midway destroys the connection, so the client sees an abort, never a clean end.
 *
 * A client that stops reading would hold the paused upstream connection forever (undici's
 * idle timer does not run while the body is paused): after `stallTimeoutMs` (0: never) of
 * waiting for 'drain', the client connection is destroyed, which aborts the upstream, and the
 * outcome is `stalled`.
 *
 * @example
 * const outcome = await writeResponse(response, await gateway.handle(request), 300_000);
 */
export async function writeResponse(
  response: ServerResponse,
  answer: GatewayResponse,
  stallTimeoutMs = 0,
): Promise<WriteOutcome> {
  const body = answer.body;
  if (body === undefined || body instanceof Uint8Array) {
    answer.headers['content-length'] = String(body?.byteLength ?? 0);
    response.writeHead(answer.status, answer.headers);
    response.end(body);
    return 'done';
  }
  response.writeHead(answer.status, answer.headers);
  try {
    for await (const chunk of body) {
      // Leaving the loop calls the body's return(): the upstream request is released at once.
      if (response.destroyed) break;
      if (!response.write(chunk) && (await drainOrClose(response, stallTimeoutMs))) {
        response.destroy();
        return 'stalled';
      }
    }
    if (!response.destroyed) response.end();
  } catch {
    abortAfterFlush(response);
  }
  return 'done';
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
