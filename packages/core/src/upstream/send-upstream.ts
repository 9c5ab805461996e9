import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { clientResponseHeaders } from './headers.js';
import { UpstreamBody } from './upstream-body.js';

/** What the upstream answered: status, client-ready headers, and the live body. */
export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string>;
  body: UpstreamBody;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Uint8Array | undefined;
  /** The bridge's cheap disconnect hook (see `GatewayRequest.onClientGone`); one of the two is set. */
  onClientGone: ((listener: () => void) => void) | undefined;
  /** Listened on when there is no `onClientGone` (a hedged leg has a signal of its own). */
  signal: AbortSignal | undefined;
}

/**
 * Sends one request through an undici dispatcher with a handler of its own, rather than
 * `dispatcher.request()`: that API builds an `AsyncResource` and a `BodyReadable` stream per
 * request. Here undici's header object goes straight into the client's, and the body is a
 * light queue.
 *
 * Resolves when the response headers arrive; rejects with undici's error (connect, first-byte
 * timeout, reset) or the signal's reason.
 */
export function sendUpstream(dispatcher: Dispatcher, request: UpstreamRequest): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const exchange = new UpstreamExchange(resolve, reject, request);
    if (exchange.finished) return;
    try {
      dispatcher.dispatch(
        {
          method: request.method as Dispatcher.HttpMethod,
          path: request.path,
          headers: request.headers,
          body: request.body ?? null,
        },
        exchange,
      );
    } catch (error) {
      // Invalid arguments (a header undici refuses) throw synchronously.
      exchange.fail(error as Error);
    }
  });
}

/**
 * One request's undici handler, on the controller API (`onRequestStart` … `onResponseError`):
 * undici 7 accepts it alongside the callbacks undici 8 removed. A class, because an object
 * literal of six closures per request is measurable garbage on the hot path.
 */
class UpstreamExchange implements Dispatcher.DispatchHandler {
  finished = false;
  readonly #resolve: (answer: UpstreamAnswer) => void;
  readonly #reject: (error: Error) => void;
  /** Only when the bridge offers no `onClientGone`: then the signal is listened on. */
  readonly #signal: AbortSignal | undefined;
  /** The request's controller: pause, resume and abort go through it. */
  #controller: Dispatcher.DispatchController | undefined;
  #body: UpstreamBody | undefined;
  #settled = false;

  constructor(
    resolve: (answer: UpstreamAnswer) => void,
    reject: (error: Error) => void,
    request: UpstreamRequest,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    const gone = request.onClientGone;
    // With the bridge's hook there is no AbortSignal listener to add and remove per request.
    if (gone !== undefined) {
      this.#signal = undefined;
      gone(this.onAbort);
      return;
    }
    const signal = request.signal;
    this.#signal = signal;
    if (signal === undefined) return;
    if (signal.aborted) this.onAbort();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The client went away (or the signal fired): stop the exchange wherever it is. */
  readonly onAbort = (): void => {
    if (this.finished) return;
    const reason = this.#signal?.reason;
    const error = reason instanceof Error ? reason : new Error('The client went away.');
    // undici answers an abort with `onResponseError`, which settles the exchange.
    if (this.#controller !== undefined) this.#controller.abort(error);
    else this.fail(error);
  };

  /** For the body: the consumer stopped early, release the upstream request. */
  abort(error: Error): void {
    this.#controller?.abort(error);
  }

  /** For the body: the consumer caught up, let the parser read the socket again. */
  resume(): void {
    this.#controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again when undici retries the request on another connection: keep the latest.
    this.#controller = controller;
    // Given up before the request was on a connection (the client left): release it at once.
    if (this.finished) controller.abort(new Error('The client went away.'));
  }

  onRequestUpgrade(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    _headers: unknown,
    socket: Duplex,
  ) {
    // Never asked for (`Upgrade` is hop-by-hop and not forwarded); undici calls this only for
    // an upgrade request, so treat it as a broken answer rather than hold a socket.
    socket.destroy();
    this.fail(new Error(`The upstream switched protocols (${statusCode}) on a plain request.`));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // 1xx (100-continue, 103 early hints) precede the real response.
    if (statusCode < 200) return;
    const body = new UpstreamBody(this);
    this.#body = body;
    this.#settled = true;
    this.#resolve({ status: statusCode, headers: clientResponseHeaders(headers, true), body });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // Past the body's high-water mark undici stops reading the socket until `resume()`; its
    // idle (body) timer does not run while paused, so a slow client cannot trip it.
    if (!(this.#body as UpstreamBody).push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.finished = true;
    this.#signal?.removeEventListener('abort', this.onAbort);
    this.#body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  /** Connect failure, timeout, reset, abort, or an argument undici refused. */
  fail(error: Error): void {
    this.finished = true;
    this.#signal?.removeEventListener('abort', this.onAbort);
    if (this.#body !== undefined) this.#body.fail(error);
    else if (!this.#settled) {
      this.#settled = true;
      this.#reject(error);
    }
  }
}
