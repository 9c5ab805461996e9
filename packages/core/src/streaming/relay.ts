import { errorEvent, type GatewayError } from '../errors.js';
import type { GatewayContext, ResponseTap } from '../types.js';
import { clientClosedRequest, upstreamFailure } from '../upstream/upstream-failure.js';

const done: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * Relays a streamed body chunk by chunk, unchanged, feeding each chunk to the request's taps.
 *
 * A failure after the first byte cannot become an HTTP error any more. For an event stream
 * the relay yields one `data: {"error":...}` event and then rethrows, so the bridge aborts
 * the connection: a stream must never end cleanly without its `[DONE]`.
 *
 * An iterator class rather than an async generator: a generator adds its own promise and
 * resumption per chunk on every response, and this is the hot path.
 */
export function relayBody(
  source: AsyncIterable<Uint8Array>,
  context: GatewayContext,
  accounting: ResponseTap | undefined,
  eventStream: boolean,
  settled: (error: GatewayError | undefined) => void,
): AsyncIterableIterator<Uint8Array> {
  return new RelayedBody(source[Symbol.asyncIterator](), context, accounting, eventStream, settled);
}

class RelayedBody implements AsyncIterableIterator<Uint8Array> {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #context: GatewayContext;
  /** The gateway's own usage tap: runs before the policies' taps, so their `end` sees the usage. */
  readonly #accounting: ResponseTap | undefined;
  readonly #eventStream: boolean;
  readonly #settled: (error: GatewayError | undefined) => void;
  #last: Uint8Array | undefined;
  /** Thrown by the next `next()`, once the error event went out. */
  #pendingFailure: GatewayError | undefined;
  #ended = false;

  constructor(
    source: AsyncIterator<Uint8Array>,
    context: GatewayContext,
    accounting: ResponseTap | undefined,
    eventStream: boolean,
    settled: (error: GatewayError | undefined) => void,
  ) {
    this.#source = source;
    this.#context = context;
    this.#accounting = accounting;
    this.#eventStream = eventStream;
    this.#settled = settled;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const pending = this.#pendingFailure;
    if (pending !== undefined) {
      this.#pendingFailure = undefined;
      return Promise.reject(pending);
    }
    if (this.#ended) return Promise.resolve(done);
    return this.#source.next().then(this.#onResult, this.#onError);
  }

  /** The consumer stopped early (the client went away): release the upstream at once. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#ended) {
      this.#end(clientClosedRequest());
      this.#source.return?.().catch(() => {});
    }
    this.#pendingFailure = undefined;
    return Promise.resolve(done);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  readonly #onResult = (result: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> => {
    if (result.done === true) {
      this.#end(undefined);
      return result;
    }
    const chunk = result.value;
    this.#accounting?.chunk?.(chunk);
    const taps = this.#context.taps;
    for (let index = 0; index < taps.length; index++) (taps[index] as ResponseTap).chunk?.(chunk);
    this.#last = chunk;
    return result;
  };

  readonly #onError = (error: unknown): IteratorResult<Uint8Array> => {
    const context = this.#context;
    const aborted = context.aborted;
    const failure = aborted
      ? clientClosedRequest()
      : upstreamFailure(error, 'in-body', context.upstream?.name ?? 'unknown');
    this.#end(failure);
    if (!this.#eventStream || aborted) throw failure;
    this.#pendingFailure = failure;
    // An upstream cut mid-event left a partial event open: close it, or the error event
    // would be glued to it and no client could parse it.
    const event = errorEvent(failure);
    const last = this.#last;
    return {
      value: last === undefined || endsEvent(last) ? event : Buffer.concat([eventSeparator, event]),
      done: false,
    };
  };

  #end(failure: GatewayError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#accounting?.end?.(failure);
    const taps = this.#context.taps;
    for (let index = 0; index < taps.length; index++) (taps[index] as ResponseTap).end?.(failure);
    this.#settled(failure);
  }
}

const LF = 10;
const CR = 13;
const eventSeparator = new Uint8Array([LF, LF]);

/** True when the bytes end with an event terminator (a false negative only adds blank lines). */
function endsEvent(bytes: Uint8Array): boolean {
  const length = bytes.byteLength;
  const end = bytes[length - 1];
  const before = bytes[length - 2];
  if (end === CR) return before === CR;
  if (end !== LF) return false;
  return before === LF || (before === CR && bytes[length - 3] === LF && bytes[length - 4] === CR);
}
