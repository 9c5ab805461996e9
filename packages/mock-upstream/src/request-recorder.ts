import type { IncomingHttpHeaders } from 'node:http';

/**
 * One request as the mock received it, kept for assertions.
 *
 * @example
 * const recorded = await mock.nextRequest();
 * assert.equal(recorded.headers.authorization, undefined);
 * assert.deepEqual((await recorded.closed).completed, true);
 */
export interface RecordedRequest {
  /** 1-based arrival order (counted when the body has been read). */
  id: number;
  method: string;
  /** Path and query as received, e.g. `/v1/chat/completions`. */
  path: string;
  /** Headers as Node parsed them (lower-cased names). */
  headers: IncomingHttpHeaders;
  /** Names and values as received, to check duplicates and casing. */
  rawHeaders: string[];
  /** The raw body bytes. */
  body: Buffer;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
  /** `performance.now()` when the body had been read. */
  receivedAt: number;
  /** Resolves when the exchange ends: completed=true when the mock finished its response, false when the client closed the connection/stream first. */
  closed: Promise<{ completed: boolean; at: number }>;
}

interface Waiter {
  predicate: ((request: RecordedRequest) => boolean) | undefined;
  resolve: (request: RecordedRequest) => void;
  reject: (error: unknown) => void;
}

/**
 * Keeps recorded requests in arrival order and serves `nextRequest()` through a cursor:
 * each call returns the first request after the cursor (that matches the predicate) and moves
 * the cursor to it, so a request that arrives between two calls is never missed.
 *
 * @example
 * const recorder = new RequestRecorder();
 * const next = recorder.nextRequest((request) => request.path === '/v1/models');
 */
export class RequestRecorder {
  /** Recorded requests in arrival order; emptied in place by `reset`. */
  readonly requests: RecordedRequest[] = [];
  readonly #waiters: Waiter[] = [];
  #cursor = 0;

  /** True while a `nextRequest()` is pending; the mock then builds a record even with `record: false`. */
  get hasWaiters(): boolean {
    return this.#waiters.length > 0;
  }

  /** Adds a request, keeping it only when `keep` is true, and hands it to the first waiter it matches. */
  add(request: RecordedRequest, keep: boolean): void {
    if (keep) this.requests.push(request);
    for (let index = 0; index < this.#waiters.length; index += 1) {
      const waiter = this.#waiters[index]!;
      let matches: boolean;
      try {
        matches = waiter.predicate === undefined || waiter.predicate(request);
      } catch (error) {
        // A throwing predicate is the test's bug: fail its promise, not the mock.
        this.#waiters.splice(index, 1);
        index -= 1;
        waiter.reject(error);
        continue;
      }
      if (matches) {
        this.#waiters.splice(index, 1);
        this.#cursor = Math.max(this.#cursor, request.id);
        waiter.resolve(request);
        return;
      }
    }
  }

  /** Resolves with the first request after the cursor matching `predicate`, waiting for it if needed. */
  nextRequest(predicate?: (request: RecordedRequest) => boolean): Promise<RecordedRequest> {
    try {
      for (const request of this.requests) {
        if (request.id > this.#cursor && (predicate === undefined || predicate(request))) {
          this.#cursor = request.id;
          return Promise.resolve(request);
        }
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ predicate, resolve, reject }));
  }

  /** Forgets recorded requests; `nextRequest()` then only returns requests after `lastId`. */
  reset(lastId: number): void {
    this.requests.length = 0;
    this.#cursor = Math.max(this.#cursor, lastId);
  }
}
