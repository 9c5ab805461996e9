import type { ServerResponse } from 'node:http';

/**
 * The life of one response: knows when the connection went away and owns the one timer the
 * response may be waiting on, so a client that leaves (or `close()`) stops all pending work and
 * no timer keeps the process alive.
 *
 * @example
 * const exchange = new Exchange(response);
 * exchange.onClosed = (completed) => console.log({ completed });
 * if (!(await exchange.wait(50))) return; // the client left during the delay
 */
export class Exchange {
  /** True once the response emitted 'close' (finished, reset, or the client left). */
  closed = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #wake: ((open: boolean) => void) | undefined;

  /** Called once when the exchange closes, with whether the mock finished its response. */
  onClosed: ((completed: boolean) => void) | undefined;

  constructor(readonly response: ServerResponse) {
    response.once('close', () => this.#close());
  }

  /** Resolves true after `milliseconds`, or false as soon as the exchange closes. */
  wait(milliseconds: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(() => this.#resume(), milliseconds);
    });
  }

  /** Resolves true on the next turn of the event loop (so separate writes leave as separate packets), false if closed. */
  nextTurn(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#immediate = setImmediate(() => this.#resume());
    });
  }

  #resume(): void {
    const wake = this.#wake;
    this.#timer = undefined;
    this.#immediate = undefined;
    this.#wake = undefined;
    wake?.(!this.closed);
  }

  #close(): void {
    this.closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#resume();
    this.onClosed?.(this.response.writableFinished);
  }
}
