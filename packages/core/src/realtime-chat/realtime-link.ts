import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { WebSocket } from 'ws';
import type { JsonObject } from '../types.js';

/** How the upstream WebSocket was refused at the upgrade: its HTTP status, headers and body. */
export interface UpgradeRefusal {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** How a link ended: the close code and reason the upstream sent (1006 when the TCP connection dropped). */
export interface LinkClosed {
  code: number;
  reason: string;
}

export interface LinkTarget {
  /** `ws://` or `wss://` URL of `/realtime?model=…`. */
  url: string;
  headers: Record<string, string | string[]>;
  /** The upstream's egress connector (address map, DoH, private-address guard, proxy, CA). */
  connect: buildConnector.connector;
  /** Time for the 101 once connected (the caller's first-text deadline counts from the same moment). */
  handshakeTimeoutMs: number;
}

// Realtime events carry audio of several MB; a text-only session gets none, but an upstream
// that sends one anyway must not kill the answer (the 1 MiB limits other gateways had did).
const maxPayloadBytes = 64 * 1024 * 1024;
// Events queued for a slow consumer before the socket is paused (TCP backpressure upstream).
const pauseAbove = 64;
const resumeBelow = 16;
// Refusal bodies are OpenAI error objects; anything longer is cut, not buffered.
const maxRefusalBytes = 64 * 1024;

/**
 * One upstream Realtime WebSocket opened through the upstream's own connector, read as a
 * queue of parsed events. `opened` resolves with undefined once the 101 arrived, or with the
 * refusal when the upstream answered the upgrade with an HTTP status; it rejects on connect
 * and handshake failures. A consumer slower than the upstream pauses the socket.
 *
 * @example
 * const link = new RealtimeLink(target);
 * const refusal = await link.opened;
 * link.send('{"type":"response.create"}');
 * const event = await link.next(60_000);
 */
export class RealtimeLink {
  readonly opened: Promise<UpgradeRefusal | undefined>;
  /** The upstream's `x-request-id` from the 101, when it sent one. */
  upstreamRequestId: string | undefined;
  closed: LinkClosed | undefined;
  /** `performance.now()` when the TCP (or TLS, or tunnel) connection was made. */
  connectedAt = 0;
  readonly #ws: WebSocket;
  readonly #queue: JsonObject[] = [];
  #waiter: ((woke: boolean) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerMs = 0;
  #paused = false;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #handshakeTimedOut = false;

  constructor(target: LinkTarget) {
    const secure = target.url.startsWith('wss:');
    this.#ws = new WebSocket(target.url, {
      headers: target.headers as Record<string, string>,
      maxPayload: maxPayloadBytes,
      perMessageDeflate: false,
      followRedirects: false,
      createConnection: ((
        options: { host?: string; port?: number | string; servername?: string },
        oncreate: (error: Error | null, socket?: Socket) => void,
      ) => {
        target.connect(
          {
            hostname: options.host ?? '',
            host: options.host ?? '',
            protocol: secure ? 'https:' : 'http:',
            port: String(options.port ?? (secure ? 443 : 80)),
          } as buildConnector.Options,
          (error, socket) => {
            if (error !== null) {
              oncreate(error);
              return;
            }
            this.connectedAt = performance.now();
            // Node does not apply the request's `timeout` to a socket handed over through a
            // callback, so ws's handshakeTimeout never fires here: the link times the 101 itself.
            this.#handshakeTimer = setTimeout(() => {
              this.#handshakeTimedOut = true;
              this.#ws.terminate();
            }, target.handshakeTimeoutMs);
            oncreate(null, socket as Socket);
          },
        );
        return undefined;
      }) as unknown as undefined,
    });
    const ws = this.#ws;
    this.opened = new Promise((resolve, reject) => {
      ws.once('upgrade', (response: IncomingMessage) => {
        const id = response.headers['x-request-id'];
        if (typeof id === 'string') this.upstreamRequestId = id;
      });
      const fail = (error: Error) => {
        clearTimeout(this.#handshakeTimer);
        reject(this.#handshakeTimedOut ? new HandshakeTimeoutError() : error);
      };
      ws.once('open', () => {
        clearTimeout(this.#handshakeTimer);
        ws.off('error', fail);
        ws.on('error', () => {}); // Ends as a close, which the reader sees.
        resolve(undefined);
      });
      ws.once('error', fail);
      ws.once('unexpected-response', (_request, response) => {
        clearTimeout(this.#handshakeTimer);
        ws.off('error', fail);
        ws.on('error', () => {});
        readRefusal(response).then(resolve, reject);
      });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return; // Realtime speaks JSON text; nothing here reads binary frames.
      let event: unknown;
      try {
        event = JSON.parse(data.toString());
      } catch {
        event = { type: 'ferry.unparsable' };
      }
      if (typeof event !== 'object' || event === null) return;
      this.#queue.push(event as JsonObject);
      if (!this.#paused && this.#queue.length > pauseAbove) {
        this.#paused = true;
        ws.pause();
      }
      this.#wakeUp();
    });
    ws.once('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      clearTimeout(this.#timer);
      clearTimeout(this.#handshakeTimer);
      this.#wakeUp();
    });
  }

  /** Events received and not read yet (bounded by the pause, not by the upstream). @internal */
  get queued(): number {
    return this.#queue.length;
  }

  /** Sends one text frame; frames sent while the socket is not open are dropped (it is closing). */
  send(frame: string): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame);
  }

  /**
   * The next upstream event; `'closed'` once the socket closed with nothing left to read,
   * `'timeout'` when nothing arrived for `timeoutMs`.
   */
  async next(timeoutMs: number): Promise<JsonObject | 'closed' | 'timeout'> {
    for (;;) {
      const event = this.#queue.shift();
      if (event !== undefined) {
        if (this.#paused && this.#queue.length < resumeBelow) {
          this.#paused = false;
          this.#ws.resume();
        }
        return event;
      }
      if (this.closed !== undefined) return 'closed';
      const woke = await new Promise<boolean>((resolve) => {
        this.#waiter = resolve;
        // One timer per link, re-armed per wait: a long answer is thousands of waits.
        if (this.#timer !== undefined && this.#timerMs === timeoutMs) this.#timer.refresh();
        else {
          clearTimeout(this.#timer);
          this.#timerMs = timeoutMs;
          this.#timer = setTimeout(this.#onTimeout, timeoutMs);
        }
      });
      if (!woke) return 'timeout';
    }
  }

  /** Ends the session: a close frame at once, and the TCP connection cut if the upstream does not answer it soon. */
  close(): void {
    const ws = this.#ws;
    if (ws.readyState === WebSocket.CLOSED) return;
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate();
      return;
    }
    ws.close(1000);
    const timer = setTimeout(() => ws.terminate(), 1_000);
    timer.unref();
    ws.once('close', () => clearTimeout(timer));
  }

  #wakeUp(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(true);
  }

  /** The wait ran out; a timer that fires with nobody waiting (the reader is busy) does nothing. */
  readonly #onTimeout = (): void => {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(false);
  };
}

/** No 101 (nor a refusal) within the handshake timeout. */
export class HandshakeTimeoutError extends Error {
  override readonly name = 'HandshakeTimeoutError';
  constructor() {
    super('The upstream did not answer the WebSocket upgrade in time.');
  }
}

async function readRefusal(response: IncomingMessage): Promise<UpgradeRefusal> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of response as AsyncIterable<Buffer>) {
    if (size < maxRefusalBytes) parts.push(part);
    size += part.length;
  }
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'retry-after', 'retry-after-ms', 'x-request-id']) {
    const value = response.headers[name];
    if (typeof value === 'string') headers[name === 'x-request-id' ? 'x-upstream-request-id' : name] = value;
  }
  return {
    status: response.statusCode ?? 502,
    headers,
    body: Buffer.concat(parts).subarray(0, maxRefusalBytes),
  };
}
