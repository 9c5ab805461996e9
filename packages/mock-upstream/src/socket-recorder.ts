import type { IncomingHttpHeaders } from 'node:http';

/**
 * One WebSocket the mock accepted, kept for assertions: what the upgrade carried, every frame
 * the client sent, and how the socket closed.
 *
 * @example
 * const socket = await mock.nextSocket();
 * assert.equal(socket.headers.authorization, 'Bearer upstream-key');
 * assert.deepEqual(socket.received[0], { type: 'session.update', session: { type: 'realtime' } });
 * assert.equal((await socket.closed).code, 1000);
 */
export interface RecordedSocket {
  /** 1-based order of accepted upgrades. */
  id: number;
  /** Path and query as received, e.g. `/v1/realtime?model=gpt-realtime`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The subprotocols the client offered, in order (`[]` when none). */
  protocols: string[];
  /** Client frames in arrival order: parsed JSON, or the raw text when it was not JSON. */
  received: unknown[];
  /** Resolves when the socket closed, with the close code and reason the mock saw (1006 when the TCP connection was cut). */
  closed: Promise<{ code: number; reason: string; at: number }>;
}

/**
 * Keeps recorded sockets in order and serves `nextSocket()` like `RequestRecorder.nextRequest()`:
 * each call returns the first socket after the previous one it returned.
 *
 * @example
 * const recorder = new SocketRecorder();
 * const next = recorder.nextSocket((socket) => socket.path.startsWith('/v1/realtime'));
 */
export class SocketRecorder {
  readonly sockets: RecordedSocket[] = [];
  readonly #waiters: {
    predicate: ((socket: RecordedSocket) => boolean) | undefined;
    resolve: (socket: RecordedSocket) => void;
  }[] = [];
  #cursor = 0;

  /** True while a `nextSocket()` is pending. */
  get hasWaiters(): boolean {
    return this.#waiters.length > 0;
  }

  add(socket: RecordedSocket, keep: boolean): void {
    if (keep) this.sockets.push(socket);
    const index = this.#waiters.findIndex(
      (waiter) => waiter.predicate === undefined || waiter.predicate(socket),
    );
    if (index === -1) return;
    const [waiter] = this.#waiters.splice(index, 1);
    this.#cursor = Math.max(this.#cursor, socket.id);
    waiter!.resolve(socket);
  }

  nextSocket(predicate?: (socket: RecordedSocket) => boolean): Promise<RecordedSocket> {
    const found = this.sockets.find(
      (socket) => socket.id > this.#cursor && (predicate === undefined || predicate(socket)),
    );
    if (found !== undefined) {
      this.#cursor = found.id;
      return Promise.resolve(found);
    }
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  reset(lastId: number): void {
    this.sockets.length = 0;
    this.#cursor = Math.max(this.#cursor, lastId);
  }
}
