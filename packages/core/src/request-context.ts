import type { Route } from './routes.js';
import type {
  BodyTransform,
  ClientIdentity,
  GatewayContext,
  GatewayRequest,
  JsonObject,
  ResponseTap,
  Usage,
} from './types.js';
import type { Upstream } from './upstream/upstream.js';

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
  upstreamWaitMs = 0;
  responseHeaders: Record<string, string> = {};
  taps: ResponseTap[] = [];
  transforms: BodyTransform[] = [];
  usage: Usage | undefined = undefined;
  log: Record<string, unknown> = {};

  constructor(request: GatewayRequest, requestId: string, route: Route, startedAt: number) {
    this.request = request;
    this.requestId = requestId;
    this.route = route;
    this.startedAt = startedAt;
    this.onClientGone = request.onClientGone;
  }

  /** The request's own signal, read on demand: the bridge creates its AbortController only when asked. */
  get signal(): AbortSignal {
    return this.request.signal;
  }
}
