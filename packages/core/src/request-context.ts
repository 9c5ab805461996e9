import { RequestRecord } from './events/request-record.js';
import type { Route } from './routes.js';
import type {
  BodyTransform,
  ClientIdentity,
  GatewayContext,
  GatewayRequest,
  JsonObject,
  ResponseTap,
  SettleListener,
  Upstream,
  UpstreamPin,
  Usage,
} from './types.js';

/**
 * The gateway's per-request context as a class rather than an object literal: a literal with a
 * getter (`signal`, read on demand) is created in V8's dictionary mode, which is several times
 * larger and makes every property read of every policy a hash lookup. Here the getter sits on
 * the prototype and the instance keeps one fast shape.
 */
export class RequestContext implements GatewayContext {
  readonly request: GatewayRequest;
  readonly requestId: string;
  readonly route: Route;
  readonly startedAt: number;
  onClientGone: ((listener: () => void) => void) | undefined;
  body: JsonObject | undefined = undefined;
  bodyChanged = false;
  stream = false;
  model: string | undefined = undefined;
  client: ClientIdentity | undefined = undefined;
  upstream: Upstream | undefined = undefined;
  pin: UpstreamPin | undefined = undefined;
  upstreamWaitMs = 0;
  responseHeaders: Record<string, string> = {};
  taps: ResponseTap[] = [];
  transforms: BodyTransform[] = [];
  usage: Usage | undefined = undefined;
  promptTokens: { body: JsonObject; tokens: number } | undefined = undefined;
  record: RequestRecord = new RequestRecord();
  answerKey: string | null | undefined = undefined;
  /** @internal Read by the gateway's settle point only. */
  settleListeners: SettleListener[] | undefined = undefined;
  /** @internal Set by the gateway's settle point: a request settles once. */
  settled = false;
  /** @internal A signal of its own (a hedged leg); otherwise the request's. */
  ownSignal: AbortSignal | undefined = undefined;

  constructor(request: GatewayRequest, requestId: string, route: Route, startedAt: number) {
    this.request = request;
    this.requestId = requestId;
    this.route = route;
    this.startedAt = startedAt;
    this.onClientGone = request.onClientGone;
  }

  /** The request's own signal, read on demand: the bridge creates its AbortController only when asked. */
  get signal(): AbortSignal {
    return this.ownSignal ?? this.request.signal;
  }

  get aborted(): boolean {
    const own = this.ownSignal;
    if (own !== undefined) return own.aborted;
    return this.request.aborted ?? this.request.signal.aborted;
  }

  onSettle(listener: SettleListener): void {
    if (this.settleListeners === undefined) this.settleListeners = [listener];
    else this.settleListeners.push(listener);
  }
}

/**
 * A copy of `context` for one leg of a hedged request: its own signal, taps, headers and
 * record, so the legs never write each other's state; the winner's is adopted afterwards.
 * Settle listeners stay with the request itself.
 */
export function legContext(context: GatewayContext, signal: AbortSignal): GatewayContext {
  const leg = new RequestContext(context.request, context.requestId, context.route, context.startedAt);
  leg.ownSignal = signal;
  // This leg has a signal of its own: the forwarder must listen on it.
  leg.onClientGone = undefined;
  leg.body = context.body;
  leg.bodyChanged = context.bodyChanged;
  leg.stream = context.stream;
  leg.model = context.model;
  leg.client = context.client;
  leg.upstream = context.upstream;
  leg.usage = context.usage;
  leg.promptTokens = context.promptTokens;
  leg.answerKey = context.answerKey;
  leg.onSettle = (listener) => context.onSettle(listener);
  return leg;
}
