import { z } from 'zod';
import { milliseconds, positiveInteger } from '../config/schema-helpers.js';

/** 64 MiB: Realtime audio events of 3.4 MB occur, and a 1 MiB cap killed sessions in other gateways. */
export const defaultMaxPayloadBytes = 64 * 1024 * 1024;

/**
 * Top-level `websocket`: the WebSocket endpoints (`GET /v1/realtime`, `GET /v1/responses`
 * upgrades). On by default; `false` turns every upgrade into a 404. Each field is per session.
 */
export const websocketOptionsSchema = z
  .union([
    z.literal(false),
    z.strictObject({
      /** Largest frame accepted from the client and from the upstream (both legs). */
      maxPayloadBytes: positiveInteger.default(defaultMaxPayloadBytes),
      /** The upstream's WebSocket handshake (connect, TLS, 101) must finish within this. */
      connectTimeoutMs: milliseconds.default(15_000),
      /** A session with no frame in either direction for this long is closed (1001). 0: never. */
      idleTimeoutMs: milliseconds.default(600_000),
      /**
       * Bytes queued towards one side before Ferry stops reading the other side (backpressure);
       * reading resumes when the queue drained below half of it.
       */
      highWaterMarkBytes: positiveInteger.default(4 * 1024 * 1024),
      /** Chat Completions over WebSocket: requests that may run at once on one socket. */
      maxInFlight: positiveInteger.default(8),
      /** Frames the upstream sends before the client's handshake finished are kept up to this many. */
      pendingFrames: positiveInteger.default(256),
      /** ...and up to this many bytes in all; beyond either the session is closed with 1011. */
      pendingBytes: positiveInteger.default(32 * 1024 * 1024),
    }),
  ])
  .prefault({});

export type WebSocketOptions = z.output<typeof websocketOptionsSchema>;
export type ResolvedWebSocketOptions = Exclude<WebSocketOptions, false>;
