import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayRequest } from '../types.js';

/**
 * One Chat Completions request sent over a WebSocket, as the gateway's ordinary request: the
 * socket's handshake headers (its key, tenant, `x-ferry-*`), the frame's body as the raw bytes,
 * and a signal of its own, aborted when the client cancels it or the socket closes.
 * @internal
 */
export class ChatTurnRequest implements GatewayRequest {
  readonly method = 'POST';
  readonly query = '';
  readonly #controller = new AbortController();
  #listeners: Array<() => void> | undefined = undefined;

  constructor(
    readonly path: string,
    readonly headers: IncomingHttpHeaders,
    readonly body: Uint8Array,
    readonly remoteAddress: string | undefined,
  ) {}

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  readonly onClientGone = (listener: () => void): void => {
    if (this.aborted) {
      listener();
      return;
    }
    this.#listeners ??= [];
    this.#listeners.push(listener);
  };

  cancel(): void {
    if (this.aborted) return;
    this.#controller.abort();
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
  }
}
