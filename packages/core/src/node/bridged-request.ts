import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { GatewayRequest } from '../types.js';

/**
 * The gateway's view of a Node request, with the client's disconnect told two ways: an
 * AbortSignal, created only when something reads it (an AbortController per request is
 * measurable), and plain listeners for the forwarder, which would otherwise add and remove an
 * EventTarget listener on every request.
 *
 * A class, not an object literal: a literal with a getter is created in V8's dictionary mode
 * (larger, and every read a hash lookup); here the getter sits on the prototype.
 */
export class BridgedRequest implements GatewayRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  body: Uint8Array | undefined = undefined;
  parsedBody: unknown = undefined;
  readonly remoteAddress: string | undefined;
  failure: unknown = undefined;
  #controller: AbortController | undefined = undefined;
  #listeners: Array<() => void> | undefined = undefined;
  #gone = false;

  constructor(request: IncomingMessage, url: string) {
    const queryAt = url.indexOf('?');
    this.method = request.method ?? 'GET';
    this.path = queryAt === -1 ? url : url.slice(0, queryAt);
    this.query = queryAt === -1 ? '' : url.slice(queryAt + 1);
    this.headers = request.headers;
    this.remoteAddress = request.socket.remoteAddress;
  }

  /** True once the client went away; reading it creates no AbortController. */
  get aborted(): boolean {
    return this.#gone;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#gone) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  readonly onClientGone = (listener: () => void): void => {
    if (this.#gone) {
      listener();
      return;
    }
    this.#listeners ??= [];
    this.#listeners.push(listener);
  };

  /** The client went away before its response ended: abort and tell every listener, once. */
  clientGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#controller?.abort();
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
  }
}
