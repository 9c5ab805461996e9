import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway.js';
import { BridgedRequest } from './bridged-request.js';
import { readBody } from './read-body.js';
import { writeResponse } from './write-response.js';

/** What a framework adapter knows that the bare Node request does not. */
export interface NodeRequestExtras {
  /** Path and query inside the mount, when the framework rewrote it (defaults to `request.url`). */
  url?: string;
  /** A body a framework parser already read (`req.body`, `ctx.request.body`). */
  parsedBody?: unknown;
  /** The raw bytes that parser read, when it kept them (`rawBody`): signatures need them. */
  rawBody?: Uint8Array | string;
}

const encoder = new TextEncoder();
const noExtras: NodeRequestExtras = {};

/**
 * The one bridge from Node's `IncomingMessage`/`ServerResponse` to a gateway; Express, Koa
 * and plain `node:http` all go through it. It reads the body within the limit (or takes one a
 * body parser already read), aborts everything when the client goes away, and writes the
 * answer with backpressure. Resolves when the response is done.
 *
 * @example
 * const gateway = createGateway(options);
 * http.createServer((request, response) => handleNodeRequest(gateway, request, response)).listen(8787);
 */
export async function handleNodeRequest(
  gateway: Gateway,
  request: IncomingMessage,
  response: ServerResponse,
  extras: NodeRequestExtras = noExtras,
): Promise<void> {
  const gatewayRequest = new BridgedRequest(request, extras.url ?? request.url ?? '/');
  // 'close' before the response ended means the client went away: stop the upstream now.
  response.once('close', () => {
    if (!response.writableEnded) gatewayRequest.clientGone();
  });

  if (!request.readableEnded && hasBody(request)) {
    try {
      gatewayRequest.body = await readBody(request, gateway.maxBodyBytes);
    } catch (failure) {
      gatewayRequest.failure = failure;
      // The rest of an oversized body is not worth reading: close the connection after answering.
      response.shouldKeepAlive = false;
    }
  } else if (extras.rawBody !== undefined || extras.parsedBody !== undefined) {
    gatewayRequest.parsedBody = extras.parsedBody;
    gatewayRequest.body = rawBytes(extras);
  }

  const answer = await gateway.handle(gatewayRequest);
  if (response.destroyed) {
    await discard(answer.body);
    return;
  }
  const outcome = await writeResponse(response, answer, gateway.clientStallTimeoutMs);
  if (outcome === 'stalled') {
    gateway.logger.warn(
      {
        requestId: answer.headers['x-request-id'],
        code: 'client_stalled',
        timeoutMs: gateway.clientStallTimeoutMs,
      },
      'the client stopped reading: its connection was closed to free the upstream connection',
    );
  }
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function rawBytes(extras: NodeRequestExtras): Uint8Array | undefined {
  const { rawBody, parsedBody } = extras;
  if (typeof rawBody === 'string') return encoder.encode(rawBody);
  if (rawBody !== undefined) return rawBody;
  // Re-serialised: equal as JSON, not byte for byte. Keep `rawBody` when bytes matter.
  return parsedBody === undefined ? undefined : encoder.encode(JSON.stringify(parsedBody));
}

/**
 * Releases a body nobody will read. It is started, not just returned: a generator that never
 * ran skips its `finally`, and that is where the upstream request is released and logged.
 */
async function discard(body: unknown): Promise<void> {
  if (body === null || typeof body !== 'object' || !(Symbol.asyncIterator in body)) return;
  try {
    for await (const _ of body as AsyncIterable<Uint8Array>) break;
  } catch {
    // The client is gone; the failure is already logged by the relay.
  }
}
