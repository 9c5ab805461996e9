import { GatewayError } from '../errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { GatewayContext, GatewayResponse } from '../types.js';
import { upstreamRequestHeaders } from './headers.js';
import { sendUpstream } from './send-upstream.js';
import { clientClosedRequest, upstreamFailure } from './upstream-failure.js';

const encoder = new TextEncoder();

/**
 * The end of the pipeline: sends the request to `context.upstream` through its undici pool
 * and returns the live upstream body, unread. Nothing is buffered.
 *
 * @example
 * const handler = createForwarder('/v1', gatewayEvents);
 * const response = await handler(context);
 */
export function createForwarder(basePath: string, events: GatewayEvents) {
  return async function forward(context: GatewayContext): Promise<GatewayResponse> {
    const upstream = context.upstream;
    if (upstream === undefined) {
      throw new GatewayError('no_upstream', 'No upstream is available for this request.');
    }
    const { request } = context;
    // A route without a JSON body (GET /models) sends none upstream, whatever the client sent.
    const body = !context.route.json
      ? undefined
      : context.bodyChanged && context.body !== undefined
        ? encoder.encode(JSON.stringify(context.body))
        : request.body;
    const headers = upstreamRequestHeaders(request.headers, upstream, context.requestId);
    const extra = context.upstreamHeaders;
    if (extra !== undefined) for (const name in extra) headers[name] = extra[name] as string;
    if (body === undefined) delete headers['content-type'];
    else if (headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    const relative = context.upstreamPath ?? request.path.slice(basePath.length);
    const path = upstream.basePath + relative + (request.query === '' ? '' : `?${request.query}`);

    const sentAt = performance.now();
    try {
      const answer = await sendUpstream(upstream.pool, {
        method: request.method,
        path,
        headers,
        body,
        onClientGone: context.onClientGone,
        // Not read when the bridge's hook is there: reading it may create an AbortController.
        signal: context.onClientGone === undefined ? context.signal : undefined,
      });
      context.record.upstreamStatus = answer.status;
      if (events.wants('attempt')) {
        const durationMs = performance.now() - sentAt;
        events.emit('attempt', {
          context,
          upstream: upstream.name,
          status: answer.status,
          error: undefined,
          durationMs,
        });
      }
      return answer;
    } catch (error) {
      const failure = context.aborted
        ? clientClosedRequest()
        : upstreamFailure(error, 'before-headers', upstream.name);
      if (events.wants('attempt')) {
        const durationMs = performance.now() - sentAt;
        events.emit('attempt', {
          context,
          upstream: upstream.name,
          status: undefined,
          error: failure,
          durationMs,
        });
      }
      throw failure;
    } finally {
      context.upstreamWaitMs += performance.now() - sentAt;
    }
  };
}
