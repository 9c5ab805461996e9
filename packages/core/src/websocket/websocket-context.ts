import type WebSocket from 'ws';
import { RequestContext } from '../request-context.js';
import type { Route } from '../routes.js';
import type { AnswerTextFilter, GatewayRequest } from '../types.js';
import type { UpgradeOffer } from './upgrade-request.js';

/** Frames the upstream sent before the client's handshake finished, capped. */
export interface EarlyFrames {
  frames: Array<{ data: Buffer; binary: boolean }>;
  bytes: number;
  /** The upstream closed before the client was attached. */
  closed: { code: number; reason: Buffer } | undefined;
  release(): void;
}

/**
 * The context of one WebSocket session: a request to every policy (one concurrency slot, one
 * settle, one log line), plus what the session needs from the pipeline.
 * @internal
 */
export class WebSocketContext extends RequestContext {
  readonly offer: UpgradeOffer;
  /** Set by the pipeline's end once the upstream accepted. */
  upstreamSocket: WebSocket | undefined = undefined;
  early: EarlyFrames | undefined = undefined;
  /** Set by the content filter when answers are filtered: one filter per text part. */
  answerFilter: AnswerTextFilter | undefined = undefined;

  constructor(
    request: GatewayRequest,
    requestId: string,
    route: Route,
    startedAt: number,
    offer: UpgradeOffer,
  ) {
    super(request, requestId, route, startedAt);
    this.offer = offer;
  }
}
