import type { GatewayContext, GatewayResponse, ResponseTap } from '../types.js';
import { clientClosedRequest } from '../upstream/upstream-failure.js';

const done: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * One upstream call shared by several callers. The leader's call runs on a context of its own
 * (`legContext`, its own abort signal), so no single caller leaving can cut it; the body is
 * pulled once, at the upstream's pace, through the inner policies' taps, and kept so that a
 * caller who joins late gets the bytes so far and then the live rest. The call is aborted only
 * when every caller has left.
 */
export class SharedCall {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #ended = false;
  #failure: unknown = undefined;
  #callers = 0;
  readonly #wakers = new Set<() => void>();
  readonly #abort: () => void;
  /** The leader's response head (status, headers) and the context it ran on. */
  readonly head: Promise<{ response: GatewayResponse; leg: GatewayContext }>;
  /** False once the answer is complete, failed, or too large to keep for more callers. */
  open = true;

  constructor(
    start: () => Promise<{ response: GatewayResponse; leg: GatewayContext }>,
    abort: () => void,
    private readonly maxBufferedBytes: number,
    private readonly closed: () => void,
  ) {
    this.#abort = abort;
    this.head = start().then(
      (head) => {
        this.#pump(head.response, head.leg.taps);
        return head;
      },
      (error: unknown) => {
        this.#finish(error);
        throw error;
      },
    );
  }

  get callers(): number {
    return this.#callers;
  }

  /** The last few KiB of the body (where its usage is), once it ended. */
  tail(): Uint8Array | undefined {
    const chunks = this.#chunks;
    let start = chunks.length;
    let size = 0;
    while (start > 0 && size < 8 * 1024) size += (chunks[--start] as Uint8Array).byteLength;
    if (start === chunks.length) return undefined;
    return start === chunks.length - 1
      ? (chunks[start] as Uint8Array)
      : Buffer.concat(chunks.slice(start), size);
  }

  /** Counts a caller in; `leave` counts it out (its client left, or its body ended). */
  join(): () => void {
    this.#callers++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#callers--;
      if (this.#callers === 0 && !this.#ended) {
        this.#finish(undefined);
        this.#abort();
      }
    };
  }

  /** A caller's own view of the body: the bytes so far, then the live rest. */
  body(leave: () => void, onEnd: (failure: unknown) => void): AsyncIterableIterator<Uint8Array> {
    let index = 0;
    const chunks = this.#chunks;
    const next = (): Promise<IteratorResult<Uint8Array>> => {
      if (index < chunks.length)
        return Promise.resolve({ value: chunks[index++] as Uint8Array, done: false });
      if (this.#ended) {
        leave();
        onEnd(this.#failure);
        return this.#failure === undefined ? Promise.resolve(done) : Promise.reject(this.#failure);
      }
      return new Promise<void>((resolve) => this.#wakers.add(resolve)).then(next);
    };
    return {
      next,
      return: () => {
        leave();
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  async #pump(response: GatewayResponse, taps: readonly ResponseTap[]): Promise<void> {
    const body = response.body;
    if (body === undefined || body instanceof Uint8Array) {
      if (body !== undefined) this.#push(body, taps);
      for (const tap of taps) tap.end?.(undefined);
      this.#finish(undefined);
      return;
    }
    let failure: unknown;
    try {
      for await (const chunk of body) {
        if (this.#ended) break;
        this.#push(chunk, taps);
      }
    } catch (error) {
      failure = error;
    }
    // Every caller left: the inner taps (the breaker's) see an abandoned body, not a success.
    if (failure === undefined && this.#callers === 0 && this.#ended) failure = clientClosedRequest();
    for (const tap of taps) tap.end?.(failure);
    this.#finish(failure);
  }

  #push(chunk: Uint8Array, taps: readonly ResponseTap[]): void {
    for (const tap of taps) tap.chunk?.(chunk);
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    if (this.open && this.#bytes > this.maxBufferedBytes) this.#close();
    this.#wake();
  }

  #finish(failure: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = failure;
    this.#close();
    this.#wake();
  }

  #close(): void {
    if (!this.open) return;
    this.open = false;
    this.closed();
  }

  #wake(): void {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const wake of wakers) wake();
  }
}
