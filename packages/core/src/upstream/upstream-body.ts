/** Bytes held before undici is asked to pause the upstream socket. */
const highWaterBytes = 64 * 1024;

/** The exchange that feeds a body: how the body releases or resumes the upstream request. */
export interface BodySource {
  /** The consumer stopped early: release the upstream request. */
  abort(error: Error): void;
  /** The consumer caught up after `push` asked for a pause: read the socket again. */
  resume(): void;
}

/**
 * An upstream response body as a plain async iterator fed by undici's dispatch handler.
 *
 * It replaces undici's `BodyReadable` on the hot path: no stream state machine, no event
 * emitter, no async-iterator adapter per request — a queue, and a promise only when the
 * consumer is ahead of the upstream. Backpressure is undici's own: past `highWaterBytes`
 * `push` answers `false` and the handler pauses the request's controller, which stops the
 * parser (its idle timer does not fire while paused); `source.resume()` runs once the
 * consumer has caught up.
 */
export class UpstreamBody implements AsyncIterableIterator<Uint8Array> {
  #chunks: Buffer[] = [];
  #held = 0;
  #ended = false;
  #error: Error | undefined;
  #waiting: { resolve(result: IteratorResult<Uint8Array>): void; reject(error: Error): void } | undefined;
  /** `push` asked for a pause and `source.resume()` has not run since. */
  #paused = false;
  readonly #source: BodySource;

  constructor(source: BodySource) {
    this.#source = source;
  }

  /** From undici: a chunk arrived. Returns false when the upstream should pause. */
  push(chunk: Buffer): boolean {
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ value: chunk, done: false });
      return true;
    }
    this.#chunks.push(chunk);
    this.#held += chunk.byteLength;
    if (this.#held < highWaterBytes) return true;
    this.#paused = true;
    return false;
  }

  /** From undici: the body is complete. */
  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    if (waiting !== undefined && this.#chunks.length === 0) {
      this.#waiting = undefined;
      waiting.resolve({ value: undefined, done: true });
    }
  }

  /** From undici: the body failed (reset, idle timeout, abort). */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.reject(error);
    }
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      this.#held -= chunk.byteLength;
      if (this.#paused && this.#held < highWaterBytes / 2) {
        this.#paused = false;
        this.#source.resume();
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** The consumer stopped early (client gone, `break`): release the upstream request now. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#ended && this.#error === undefined) {
      this.#error = new Error('The response body was not read to its end.');
      this.#source.abort(this.#error);
    }
    this.#chunks.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
