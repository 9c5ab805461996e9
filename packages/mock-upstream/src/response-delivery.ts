import type { Exchange } from './exchange.js';
import type { Fault } from './fault.js';
import { malformedEvent, type PlannedResponse } from './planned-response.js';

/**
 * Timing of one response: the delay before headers and the delay between stream events.
 *
 * @example
 * const pacing: Pacing = { latencyMs: 100, chunkIntervalMs: 20 };
 */
export interface Pacing {
  latencyMs: number;
  chunkIntervalMs: number;
}

/**
 * Sends `planned` over `exchange`, applying latency, the pause between stream events and the
 * fault. Without any of them the response leaves in one synchronous write, which is the path
 * benchmarks measure.
 *
 * @example
 * deliver(exchange, jsonResponse(200, '{}'), 'mock-req-1', { latencyMs: 0, chunkIntervalMs: 0 }, undefined);
 */
export function deliver(
  exchange: Exchange,
  planned: PlannedResponse,
  requestId: string,
  pacing: Pacing,
  fault: Fault | undefined,
): void {
  if (
    fault === undefined &&
    pacing.latencyMs === 0 &&
    (planned.events === undefined || pacing.chunkIntervalMs === 0)
  ) {
    sendAtOnce(exchange, planned, requestId);
    return;
  }
  deliverPaced(exchange, planned, requestId, pacing, fault).catch(() => {
    // Only a bug can land here; cutting the connection is the one honest signal left.
    exchange.response.destroy();
  });
}

function sendAtOnce(exchange: Exchange, planned: PlannedResponse, requestId: string): void {
  const { response } = exchange;
  if (planned.body !== undefined) {
    response.writeHead(planned.status, [
      'x-request-id',
      requestId,
      ...planned.headers,
      'content-length',
      String(Buffer.byteLength(planned.body)),
    ]);
    response.end(planned.body);
    return;
  }
  // Without content-length the stream goes out chunked, as real SSE upstreams send it.
  response.writeHead(planned.status, ['x-request-id', requestId, ...planned.headers]);
  response.end((planned.events ?? []).join(''));
}

async function deliverPaced(
  exchange: Exchange,
  planned: PlannedResponse,
  requestId: string,
  pacing: Pacing,
  fault: Fault | undefined,
): Promise<void> {
  const { response } = exchange;
  if (pacing.latencyMs > 0 && !(await exchange.wait(pacing.latencyMs))) return;
  if (exchange.closed || fault?.stallBeforeHeaders) return;
  if (fault?.resetBeforeHeaders) {
    // A real RST (ECONNRESET at the client), as a dropped proxy connection looks.
    response.socket?.resetAndDestroy();
    return;
  }
  const headers = ['x-request-id', requestId, ...planned.headers];
  if (fault?.retryAfter !== undefined) headers.push('retry-after', fault.retryAfter);
  if (fault?.retryAfterMs !== undefined) headers.push('retry-after-ms', fault.retryAfterMs);
  const cutAfter = fault?.resetAfter ?? fault?.stallAfter;
  let pieces: readonly (string | Buffer)[];
  if (planned.events === undefined) {
    const body = Buffer.from(fault?.malformedAfter === undefined ? (planned.body ?? '') : '{not json');
    headers.push('content-length', String(body.length));
    pieces = [cutAfter === undefined ? body : body.subarray(0, body.length >> 1)];
  } else {
    let events = planned.events;
    if (fault?.malformedAfter !== undefined) {
      events = [...events];
      (events as string[]).splice(Math.min(fault.malformedAfter, events.length), 0, malformedEvent);
    }
    const endAfter = cutAfter ?? fault?.endAfter;
    pieces = endAfter === undefined ? events : events.slice(0, endAfter);
  }
  response.writeHead(planned.status, headers);
  // Headers leave now even when no byte of the body follows (reset-after=0, stall-after=0).
  response.flushHeaders();
  const writer = new PieceWriter(exchange, fault);
  for (let index = 0; index < pieces.length; index += 1) {
    const interval = planned.events === undefined || index === 0 ? 0 : pacing.chunkIntervalMs;
    if (interval > 0 && !(await exchange.wait(interval))) return;
    if (!(await writer.write(pieces[index]!))) return;
  }
  if (exchange.closed || fault?.stallAfter !== undefined) return;
  if (fault?.resetAfter !== undefined) {
    // Flush what was written, then close without finishing the body. A RST here would make the
    // client's kernel drop bytes it has not read yet, so the client could not see the n events.
    const socket = response.socket;
    socket?.end(() => socket.destroy());
    return;
  }
  response.end();
}

/** Writes pieces whole, split into small writes (`split=n`) or byte by byte (`trickle=ms`). */
class PieceWriter {
  #wroteAny = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly fault: Fault | undefined,
  ) {}

  /** Resolves false when the exchange closed before everything was written. */
  async write(piece: string | Buffer): Promise<boolean> {
    const { exchange, fault } = this;
    if (exchange.closed) return false;
    const trickleMs = fault?.trickleMs;
    const partSize = trickleMs === undefined ? fault?.splitBytes : 1;
    if (partSize === undefined) {
      exchange.response.write(piece);
      return true;
    }
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
    for (let offset = 0; offset < bytes.length; offset += partSize) {
      if (this.#wroteAny) {
        // Each part waits for a later turn: writes made in one turn are coalesced into one packet.
        const open = trickleMs === undefined ? await exchange.nextTurn() : await exchange.wait(trickleMs);
        if (!open) return false;
      }
      exchange.response.write(bytes.subarray(offset, offset + partSize));
      this.#wroteAny = true;
    }
    return true;
  }
}
