import type { GatewayError } from '../errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { RequestContext } from '../request-context.js';
import type { GatewayContext, GatewayResponse, ResponseTap } from '../types.js';
import { relayBody } from './relay.js';
import { UsageTap, usageOfBytes } from './usage-tap.js';

/** What the one settle point needs from the gateway that owns it. */
export interface ResponseSettlement {
  readonly events: GatewayEvents;
  /** True when anyone will read this request's usage (the log line, onUsage, listeners, policies). */
  wantsUsage(context: GatewayContext): boolean;
  /** The request settled; called exactly once, after the policies' settle listeners. */
  settled(context: GatewayContext, status: number, error: GatewayError | undefined, overheadMs: number): void;
}

/**
 * The one response path. Every answer — an upstream's, a synthesised one (the degraded answer,
 * an internal route), or an error — gets the gateway's headers and passes the same taps,
 * transforms and usage accounting; the request then settles exactly once, when its body ended,
 * failed or was abandoned, or at once when there is nothing to relay. `error` is set for the
 * gateway's own error answers: those skip the answer transforms (they are not answers), but
 * still end the taps and settle.
 */
export function settleResponse(
  settlement: ResponseSettlement,
  context: GatewayContext,
  response: GatewayResponse,
  error: GatewayError | undefined,
): GatewayResponse {
  const headers = response.headers;
  Object.assign(headers, context.responseHeaders);
  headers['x-request-id'] = context.requestId;
  const overheadMs = performance.now() - context.startedAt - context.upstreamWaitMs;
  headers['server-timing'] = `gateway;dur=${Math.round(overheadMs * 100) / 100}`;
  const status = response.status;
  // A usage a policy settled before the answer (a cache hit, a shared call: zero) is final.
  const accounting =
    context.route.json && status < 400 && context.usage === undefined && settlement.wantsUsage(context);
  const body = response.body;
  const taps = context.taps;
  const transforms = context.transforms;

  if (body === undefined || body instanceof Uint8Array) {
    if (error !== undefined || body === undefined || (taps.length === 0 && transforms.length === 0)) {
      if (accounting && body !== undefined) context.usage ??= usageOfBytes(body);
      if (error === undefined && body !== undefined) for (const tap of taps) tap.chunk?.(body);
      endTaps(taps, error);
      settle(settlement, context, status, error, overheadMs);
      return response;
    }
  }
  // A live body, or a synthesised one that taps or transforms want to see: one relay loop.
  const source = body instanceof Uint8Array ? oneChunk(body) : body;
  const usageTap = accounting
    ? new UsageTap(context.stream && (context as RequestContext).settleListeners !== undefined)
    : undefined;
  const eventStream = headers['content-type']?.startsWith('text/event-stream') === true;
  let relayed: AsyncIterable<Uint8Array> = relayBody(source, context, usageTap, eventStream, (failure) => {
    const reported = usageTap?.reported();
    if (reported !== undefined) context.usage = reported;
    if (context.usage !== undefined || usageTap?.canEstimate !== true) {
      settle(settlement, context, status, failure, overheadMs);
      return;
    }
    usageTap.estimate(context).then(
      (estimated) => {
        context.usage ??= estimated;
        settle(settlement, context, status, failure, overheadMs);
      },
      () => settle(settlement, context, status, failure, overheadMs),
    );
  });
  if (transforms.length > 0) {
    delete headers['content-length'];
    for (const transform of transforms) relayed = transform(relayed);
  }
  response.body = relayed;
  return response;
}

function settle(
  settlement: ResponseSettlement,
  context: GatewayContext,
  status: number,
  failure: GatewayError | undefined,
  overheadMs: number,
): void {
  const request = context as RequestContext;
  if (request.settled) return;
  request.settled = true;
  const listeners = request.settleListeners;
  if (listeners !== undefined) {
    for (const listener of listeners) listener(context.usage, failure, status);
    listeners.length = 0;
  }
  if (failure?.code === 'client_closed_request' && settlement.events.wants('client:gone'))
    settlement.events.emit('client:gone', { context });
  settlement.settled(context, status, failure, overheadMs);
}

function endTaps(taps: ResponseTap[], error: GatewayError | undefined) {
  for (const tap of taps) tap.end?.(error);
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}
