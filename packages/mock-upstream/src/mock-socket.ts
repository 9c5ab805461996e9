import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Fault } from './fault.js';

// What `malformed-after=n` inserts on a WebSocket: a text frame that is not JSON.
const malformedFrame = '{not json';
// Above this many queued bytes the mock waits for the socket to drain, so a gateway that stops
// reading (backpressure) makes the mock stop writing instead of buffering without bound.
const highWaterBytes = 1024 * 1024;
// Without a pause between events, yield to the event loop this often so a long response does
// not starve other sockets and incoming frames (response.cancel) are read in between.
const eventsPerTurn = 64;

/**
 * How a batch of events ended: all sent, cut by a fault (the socket is closing or stalled),
 * or stopped because the socket closed or the turn was cancelled.
 */
export type SendOutcome = 'sent' | 'cut' | 'stopped';

/**
 * The life of one mock WebSocket: knows when it closed, owns its timers (all cleared on
 * close, so nothing keeps the process alive) and sends event frames with pacing, backpressure
 * and the per-response fault items.
 *
 * @example
 * const socket = new MockSocket(ws, rawSocket);
 * await socket.sendEvents(['{"type":"response.created"}'], { latencyMs: 0, chunkIntervalMs: 0 }, undefined, () => false);
 */
export class MockSocket {
  closed = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #wakers = new Set<() => void>();

  constructor(
    readonly ws: WebSocket,
    readonly raw: Duplex,
  ) {
    ws.once('close', () => {
      this.closed = true;
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      for (const wake of this.#wakers) wake();
      this.#wakers.clear();
    });
  }

  /** Sends one text frame unless the socket closed. */
  send(json: string): void {
    if (!this.closed) this.ws.send(json);
  }

  /** Resolves true after `milliseconds` (0: the next turn), false as soon as the socket closes. */
  wait(milliseconds: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        this.#timers.delete(timer);
        this.#wakers.delete(wake);
        resolve(!this.closed);
      };
      const timer = setTimeout(wake, milliseconds);
      this.#timers.add(timer);
      this.#wakers.add(wake);
    });
  }

  /** Resolves true once the queued bytes fell below the high-water mark, false when the socket closed. */
  async drained(): Promise<boolean> {
    while (!this.closed && this.ws.bufferedAmount > highWaterBytes) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wakers.delete(wake);
          this.raw.off('drain', wake);
          resolve();
        };
        this.#wakers.add(wake);
        this.raw.once('drain', wake);
      });
    }
    return !this.closed;
  }

  /**
   * Sends `events` (JSON texts) with the response pacing, applying the fault's cut
   * (`reset-after`, `stall-after`, `close-code`) and `malformed-after` items. `cancelled` is
   * asked before each event, so `response.cancel` stops a response between two frames.
   */
  async sendEvents(
    events: readonly string[],
    pacing: { latencyMs: number; chunkIntervalMs: number },
    fault: Fault | undefined,
    cancelled: () => boolean,
  ): Promise<SendOutcome> {
    if (pacing.latencyMs > 0 && !(await this.wait(pacing.latencyMs))) return 'stopped';
    let list = events;
    if (fault?.malformedAfter !== undefined) {
      list = [...events];
      (list as string[]).splice(Math.min(fault.malformedAfter, list.length), 0, malformedFrame);
    }
    const cutAfter = fault?.resetAfter ?? fault?.stallAfter;
    const count = cutAfter === undefined ? list.length : Math.min(cutAfter, list.length);
    for (let index = 0; index < count; index += 1) {
      if (this.closed || cancelled()) return 'stopped';
      if (index > 0) {
        const pause = pacing.chunkIntervalMs > 0 || index % eventsPerTurn === 0;
        if (pause && !(await this.wait(pacing.chunkIntervalMs))) return 'stopped';
        if (cancelled()) return 'stopped';
      }
      this.ws.send(list[index]!);
      if (this.ws.bufferedAmount > highWaterBytes && !(await this.drained())) return 'stopped';
    }
    if (cutAfter === undefined) return 'sent';
    if (fault?.resetAfter !== undefined) await this.cut(fault);
    return 'cut';
  }

  /**
   * Ends the connection the way the fault says: a close frame with `close-code`, else a TCP cut
   * after the queued frames left (the peer sees 1006), as a dropped upstream looks.
   */
  async cut(fault: Fault): Promise<void> {
    if (this.closed) return;
    if (fault.closeCode !== undefined) {
      closeWith(this.ws, fault.closeCode);
      return;
    }
    // A destroy with frames still queued would drop them; the test wants to see the n events.
    while (!this.closed && this.ws.bufferedAmount > 0) {
      if (!(await this.drained()) || !(await this.wait(1))) return;
    }
    this.raw.end(() => this.raw.destroy());
  }
}

/**
 * Closes with `code` and the reason `mock fault`; 1005 ("no status") cannot be sent as a code,
 * so it is a close frame without one, which the peer reports as 1005.
 *
 * @example
 * closeWith(ws, 1011);
 */
export function closeWith(ws: WebSocket, code: number): void {
  if (code === 1005) ws.close();
  else ws.close(code, 'mock fault');
}
