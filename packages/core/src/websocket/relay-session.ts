import type WebSocket from 'ws';
import { modelAllowed } from '../clients/client-directory.js';
import { GatewayError } from '../errors.js';
import type { JsonObject } from '../types.js';
import { cutCloseReason, relayedCloseCode } from './close-codes.js';
import { peekType } from './peek-type.js';
import { RealtimeTextFilter, textDeltaTypes, textDoneTypes } from './realtime-text-filter.js';
import { SessionUsage } from './session-usage.js';
import type { WebSocketContext } from './websocket-context.js';
import type { ResolvedWebSocketOptions } from './websocket-options.js';

// How long the upstream may take to answer our close frame before its socket is cut.
const closeGraceMs = 1_000;

/** Client events that may name a model, and where. */
const modelOf = (type: string | undefined, event: JsonObject): unknown =>
  type === 'session.update'
    ? (event.session as JsonObject | undefined)?.model
    : type === 'response.create'
      ? ((event.response as JsonObject | undefined)?.model ?? event.model)
      : undefined;

/**
 * One WebSocket session between a client and an upstream: frames go both ways unparsed, except
 * what accounting, model authorisation and the content filter must read (found by peeking the
 * event's `type`, not by parsing every frame). Backpressure: when one side's send queue passes
 * the high-water mark Ferry stops reading the other side, and resumes when it drained to half.
 * Either side closing closes the other, with a close code that may be sent and a reason of at
 * most 123 bytes; a session silent for `idleTimeoutMs` is closed with 1001. `onEnd` runs once,
 * after the upstream's socket closed, with the session's usage already on the context.
 * @internal
 */
export class RelaySession {
  readonly usage = new SessionUsage();
  private readonly filter: RealtimeTextFilter | undefined;
  private readonly highWater: number;
  private clientPaused = false;
  private upstreamPaused = false;
  private lastFrameAt = performance.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private clientClose: { code: number; reason: Buffer } | undefined;
  private upstreamClose: { code: number; reason: Buffer } | undefined;
  private framesFromClient = 0;
  private framesFromUpstream = 0;
  private refusedFrames = 0;
  private maxQueuedToClient = 0;
  private upstreamPauses = 0;

  constructor(
    private readonly client: WebSocket,
    private readonly upstream: WebSocket,
    private readonly context: WebSocketContext,
    private readonly options: ResolvedWebSocketOptions,
    private readonly onEnd: (failure: GatewayError | undefined) => void,
  ) {
    this.highWater = options.highWaterMarkBytes;
    this.filter =
      context.answerFilter === undefined ? undefined : new RealtimeTextFilter(context.answerFilter);
  }

  start(): void {
    const { client, upstream } = this;
    client.on('message', (data, binary) => this.fromClient(data as Buffer, binary));
    upstream.on('message', (data, binary) => this.fromUpstream(data as Buffer, binary));
    // Errors (an oversized frame, invalid UTF-8) are followed by 'close' with the reason's code.
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', (code, reason) => this.clientClosed(code, reason));
    upstream.on('close', (code, reason) => this.upstreamClosed(code, reason));
    const early = this.context.early;
    this.context.early = undefined;
    if (early !== undefined) {
      early.release();
      for (const frame of early.frames) this.fromUpstream(frame.data, frame.binary);
      if (early.closed !== undefined) {
        this.upstreamClosed(early.closed.code, early.closed.reason);
        return;
      }
    }
    upstream.resume();
    if (this.options.idleTimeoutMs > 0) this.armIdle(this.options.idleTimeoutMs);
  }

  /** Ends the session from the gateway's side (the gateway is closing): 1001 to both. */
  shutdown(reason: string): void {
    this.closeBoth(1001, reason);
  }

  private fromClient(data: Buffer, binary: boolean): void {
    this.lastFrameAt = performance.now();
    this.framesFromClient++;
    if (!binary) {
      const type = peekType(data);
      if (type === undefined || type === 'session.update' || type === 'response.create') {
        if (!this.authorised(data, type)) return;
      }
    }
    this.send(this.upstream, data, binary, false);
  }

  /** Checks the model a client event names against the client's allowed models. */
  private authorised(data: Buffer, peeked: string | undefined): boolean {
    let event: JsonObject;
    try {
      event = JSON.parse(data.toString('utf8')) as JsonObject;
    } catch {
      return true; // Not JSON: the upstream answers it with its own error event.
    }
    if (typeof event !== 'object' || event === null) return true;
    const type = peeked ?? (typeof event.type === 'string' ? event.type : undefined);
    const model = modelOf(type, event);
    if (model === undefined) return true;
    const allowed = this.context.client?.allowedModels;
    if (typeof model === 'string' && (allowed === undefined || modelAllowed(model, allowed))) {
      this.context.model = model;
      this.context.record.model = model;
      return true;
    }
    this.refusedFrames++;
    const error = new GatewayError(
      'model_not_allowed',
      typeof model === 'string'
        ? `This key may not use the model "${model.slice(0, 100)}".`
        : '"model" must be a string.',
      { param: type === 'session.update' ? 'session.model' : 'response.model' },
    );
    this.sendError(error, event.event_id);
    return false;
  }

  private fromUpstream(data: Buffer, binary: boolean): void {
    this.lastFrameAt = performance.now();
    this.framesFromUpstream++;
    if (binary) {
      this.send(this.client, data, true, true);
      return;
    }
    let type = peekType(data);
    // The big frames (audio deltas) are decided here, unparsed.
    if (type === 'response.output_audio.delta' && this.filter === undefined) {
      this.send(this.client, data, false, true);
      return;
    }
    const interesting =
      type === undefined ||
      type === 'response.created' ||
      type === 'response.done' ||
      finishedTypes.has(type) ||
      type === 'conversation.item.input_audio_transcription.completed' ||
      textDeltaTypes.has(type) ||
      (this.filter !== undefined && (textDoneTypes.has(type) || type.startsWith('response.')));
    if (!interesting) {
      this.send(this.client, data, false, true);
      return;
    }
    let event: JsonObject;
    try {
      event = JSON.parse(data.toString('utf8')) as JsonObject;
    } catch {
      this.send(this.client, data, false, true);
      return;
    }
    type ??= typeof event.type === 'string' ? event.type : '';
    const filter = this.filter;
    if (type === 'response.created') this.usage.responseCreated(event.response as JsonObject);
    else if (type === 'response.done' || finishedTypes.has(type)) {
      this.usage.responseDone(event.response as JsonObject);
      this.context.record.upstreamModel ??= stringOr((event.response as JsonObject)?.model);
    } else if (type === 'conversation.item.input_audio_transcription.completed')
      this.usage.transcriptionDone(event);
    const deltaField = textDeltaTypes.get(type);
    if (deltaField !== undefined) {
      const text = event[deltaField];
      if (typeof text === 'string') this.usage.streamed(event.response_id, text);
      if (filter !== undefined) {
        const out = filter.delta(event, deltaField);
        for (const frame of out.frames) this.send(this.client, frame, false, true);
        if (out.stop !== undefined) this.stopResponse(out.stop.responseId);
        return;
      }
    } else if (filter !== undefined) {
      if (textDoneTypes.has(type)) {
        for (const frame of filter.done(type, event)) this.send(this.client, frame, false, true);
        return;
      }
      // Audio and the rest of a stopped response are not sent on.
      if (filter.isStopped(event.response_id)) return;
    }
    this.send(this.client, data, false, true);
  }

  /** The filter stopped an answer: the client learns why, and the upstream stops generating. */
  private stopResponse(responseId: string): void {
    this.sendError(
      new GatewayError('content_filter', 'The answer was stopped by the content filter.', { param: null }),
      undefined,
    );
    this.send(
      this.upstream,
      JSON.stringify({ type: 'response.cancel', response_id: responseId }),
      false,
      false,
    );
  }

  private sendError(error: GatewayError, eventId: unknown): void {
    const body = {
      type: 'error',
      event_id: `event_ferry_${this.context.requestId}_${this.refusedFrames}`,
      error: {
        type: error.type,
        code: error.code,
        message: error.message,
        param: error.param,
        event_id: typeof eventId === 'string' ? eventId : null,
      },
    };
    this.send(this.client, JSON.stringify(body), false, true);
  }

  /**
   * Sends one frame on; when the target's queue passes the high-water mark, stops reading the
   * source until the queue drained to half of it.
   */
  private send(target: WebSocket, data: Buffer | string, binary: boolean, toClient: boolean): void {
    if (target.readyState !== 1) return;
    target.send(data, { binary }, toClient ? this.clientWritten : this.upstreamWritten);
    const queued = target.bufferedAmount;
    if (toClient && queued > this.maxQueuedToClient) this.maxQueuedToClient = queued;
    if (queued < this.highWater) return;
    if (toClient && !this.upstreamPaused) {
      this.upstreamPaused = true;
      this.upstreamPauses++;
      this.upstream.pause();
    } else if (!toClient && !this.clientPaused) {
      this.clientPaused = true;
      this.client.pause();
    }
  }

  private readonly clientWritten = () => {
    if (this.upstreamPaused && this.client.bufferedAmount <= this.highWater / 2) {
      this.upstreamPaused = false;
      this.upstream.resume();
    }
  };

  private readonly upstreamWritten = () => {
    if (this.clientPaused && this.upstream.bufferedAmount <= this.highWater / 2) {
      this.clientPaused = false;
      this.client.resume();
    }
  };

  private armIdle(delayMs: number): void {
    this.idleTimer = setTimeout(() => {
      const silentMs = performance.now() - this.lastFrameAt;
      const idleMs = this.options.idleTimeoutMs;
      if (silentMs < idleMs) this.armIdle(idleMs - silentMs);
      else this.closeBoth(1001, 'idle timeout');
    }, delayMs);
    this.idleTimer.unref();
  }

  private closeBoth(code: number, reason: string): void {
    if (this.client.readyState === 1) this.client.close(code, reason);
    if (this.upstream.readyState === 1) this.closeUpstream(code, reason);
  }

  private closeUpstream(code: number, reason: string): void {
    // Paused, it could not read the upstream's answer to our close frame.
    this.upstream.resume();
    this.upstream.close(code, reason);
    this.killTimer ??= setTimeout(() => this.upstream.terminate(), closeGraceMs);
  }

  private clientClosed(code: number, reason: Buffer): void {
    this.clientClose = { code, reason };
    if (this.upstream.readyState === 0 || this.upstream.readyState === 1)
      this.closeUpstream(relayedCloseCode(code), cutCloseReason(reason));
    else if (this.upstreamClose !== undefined) this.end();
  }

  private upstreamClosed(code: number, reason: Buffer): void {
    this.upstreamClose = { code, reason };
    const state = this.client.readyState;
    if (state === 0 || state === 1) {
      this.client.resume();
      this.client.close(relayedCloseCode(code), cutCloseReason(reason));
    }
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.killTimer);
    const record = this.context.record;
    record.websocket = {
      framesFromClient: this.framesFromClient,
      framesFromUpstream: this.framesFromUpstream,
      refusedFrames: this.refusedFrames,
      responses: this.usage.responses,
      maxQueuedToClient: this.maxQueuedToClient,
      upstreamPauses: this.upstreamPauses,
      clientClose: this.clientClose?.code,
      upstreamClose: this.upstreamClose?.code,
    };
    const cut = this.usage.responding;
    // The client leaving mid-response is logged like a cut stream; an upstream that broke the
    // session (not a clean close, and not an answer to the client's close) is a failure.
    const failure =
      this.clientClose !== undefined
        ? cut
          ? new GatewayError('client_closed_request', 'The client closed the session mid-response.')
          : undefined
        : isCleanClose(this.upstreamClose?.code)
          ? undefined
          : new GatewayError('upstream_stream_error', 'The upstream closed the session abnormally.');
    this.onEnd(failure);
  }
}

/** The Responses WebSocket mode ends a response with these (its usage on `response.usage`). */
const finishedTypes: ReadonlySet<string> = new Set([
  'response.completed',
  'response.incomplete',
  'response.failed',
]);

const isCleanClose = (code: number | undefined) => code === 1000 || code === 1001 || code === 1005;
const stringOr = (value: unknown) => (typeof value === 'string' ? value : undefined);
