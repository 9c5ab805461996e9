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
  /** Read only when `onClientGone` is absent: reading it may create an AbortController. */
  readonly signal: AbortSignal;
  /** The bridge's cheap disconnect hook (see `GatewayRequest.onClientGone`), preferred when set. */
  onClientGone?: ((listener: () => void) => void) | undefined;
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
    let abort: ((error: Error) => void) | undefined;
    let body: UpstreamBody | undefined;
    let settled = false;
    let finished = false;
    // With the bridge's hook there is no AbortSignal listener to add and remove per request.
    const gone = request.onClientGone;
    const signal = gone === undefined ? request.signal : undefined;
    const onAbort = () => {
      if (finished) return;
      const reason = signal?.reason instanceof Error ? signal.reason : new Error('The client went away.');
      if (abort !== undefined) abort(reason);
      else fail(reason);
    };
    const fail = (error: Error) => {
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      if (body !== undefined) body.fail(error);
      else if (!settled) {
        settled = true;
        reject(error);
      }
    };
    if (gone !== undefined) {
      gone(onAbort);
    } else if (signal?.aborted) {
      onAbort();
      return;
    } else {
      signal?.addEventListener('abort', onAbort, { once: true });
    }

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortRequest) {
        abort = abortRequest;
        // Given up before the connection was there (the client left): release it at once.
        if (finished) abortRequest(new Error('The client went away.'));
      },
      onHeaders(statusCode, rawHeaders, resume) {
        // 1xx (100-continue, 103 early hints) precede the real response.
        if (statusCode < 200) return true;
        body = new UpstreamBody((error) => abort?.(error));
        settled = true;
        resolve({
          status: statusCode,
          headers: clientResponseHeadersFromRaw(rawHeaders as unknown as Buffer[], true),
          body,
        });
        resumeBody = resume;
        return true;
      },
      onData(chunk) {
        return (body as UpstreamBody).push(chunk, resumeBody as () => void);
      },
      onComplete() {
        finished = true;
        signal?.removeEventListener('abort', onAbort);
        body?.end();
      },
      onError(error) {
        fail(error);
      },
    };
    let resumeBody: (() => void) | undefined;
    try {
      dispatcher.dispatch(
        {
          method: request.method as Dispatcher.HttpMethod,
          path: request.path,
          headers: request.headers,
          body: request.body ?? null,
        },
        handler,
      );
    } catch (error) {
      // Invalid arguments (a header undici refuses) throw synchronously.
      fail(error as Error);
    }
  });
}
