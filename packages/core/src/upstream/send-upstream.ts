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
  signal: AbortSignal;
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
    const { signal } = request;
    let abort: ((error: Error) => void) | undefined;
    let body: UpstreamBody | undefined;
    let settled = false;
    const onAbort = () => {
      const reason = signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (abort !== undefined) abort(reason);
      else fail(reason);
    };
    const fail = (error: Error) => {
      signal.removeEventListener('abort', onAbort);
      if (body !== undefined) body.fail(error);
      else if (!settled) {
        settled = true;
        reject(error);
      }
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (signal.aborted) abortRequest(signal.reason);
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
        signal.removeEventListener('abort', onAbort);
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
