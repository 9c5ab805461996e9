import type { Dispatcher } from 'undici';
import { clientResponseHeadersFromRaw } from './headers.js';
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
 * `dispatcher.request()`: that API builds an `AsyncResource`, a `BodyReadable` stream and a
 * header object per request, then Ferry would copy the headers again. Here the raw headers
 * go straight into the client's header object, and the body is a light queue.
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
      exchange.onError(error as Error);
    }
  });
}

/**
 * One request's undici handler (the callback interface `dispatch` drives), written as a class:
 * an object literal of five closures per request is measurable garbage on the hot path.
 */
class UpstreamExchange implements Dispatcher.DispatchHandler {
  finished = false;
  readonly #resolve: (answer: UpstreamAnswer) => void;
  readonly #reject: (error: Error) => void;
  /** Only when the bridge offers no `onClientGone`: then the signal is listened on. */
  readonly #signal: AbortSignal | undefined;
  #abortRequest: ((error: Error) => void) | undefined;
  #body: UpstreamBody | undefined;
  #resume: (() => void) | undefined;
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
    if (this.#abortRequest !== undefined) this.#abortRequest(error);
    else this.onError(error);
  };

  /** For the body: the consumer stopped early, release the upstream request. */
  abort(error: Error): void {
    this.#abortRequest?.(error);
  }

  onConnect(abortRequest: (error: Error) => void): void {
    this.#abortRequest = abortRequest;
    // Given up before the connection was there (the client left): release it at once.
    if (this.finished) abortRequest(new Error('The client went away.'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx (100-continue, 103 early hints) precede the real response.
    if (statusCode < 200) return true;
    const body = new UpstreamBody(this);
    this.#body = body;
    this.#resume = resume;
    this.#settled = true;
    this.#resolve({ status: statusCode, headers: clientResponseHeadersFromRaw(rawHeaders, true), body });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return (this.#body as UpstreamBody).push(chunk, this.#resume as () => void);
  }

  onComplete(): void {
    this.finished = true;
    this.#signal?.removeEventListener('abort', this.onAbort);
    this.#body?.end();
  }

  onError(error: Error): void {
    this.finished = true;
    this.#signal?.removeEventListener('abort', this.onAbort);
    if (this.#body !== undefined) this.#body.fail(error);
    else if (!this.#settled) {
      this.#settled = true;
      this.#reject(error);
    }
  }
}
