import { type ClientOptions, WebSocket } from 'ws';

/**
 * A `ws` client that keeps every JSON event it receives, so a test can wait for the next event
 * of a type without racing the socket.
 *
 * @example
 * const socket = await openEventSocket(`${mock.origin.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`);
 * await socket.next('session.created');
 * socket.send({ type: 'response.create', response: { output_modalities: ['text'] } });
 * const done = await socket.next('response.done');
 * socket.close();
 */
export interface EventSocket {
  readonly ws: WebSocket;
  /** Every event received so far, parsed (a frame that is not JSON is kept as its text). */
  readonly events: unknown[];
  /** The subprotocol the server selected (`''` for none). */
  readonly protocol: string;
  /** Resolves with the first event after the ones already returned that has this type (or matches). */
  next(
    match: string | ((event: Record<string, unknown>) => boolean),
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends an object as one JSON text frame. */
  send(event: unknown): void;
  /** Resolves when the socket closed, with the code and reason the client saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(code?: number, reason?: string): void;
}

/**
 * Why an upgrade was refused: the HTTP status and body the server answered instead of a 101.
 *
 * @example
 * const refused = await openEventSocket(url).catch((error: UpgradeRefusedError) => error);
 * refused.status; // 401
 */
export class UpgradeRefusedError extends Error {
  override readonly name = 'UpgradeRefusedError';
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string | string[] | undefined>,
  ) {
    super(`WebSocket upgrade refused with ${status}: ${body}`);
  }
}

/**
 * Opens a WebSocket and resolves once it is open; rejects with `UpgradeRefusedError` when the
 * server answers the upgrade with an HTTP status instead of 101.
 *
 * @example
 * const socket = await openEventSocket(url, { protocols: ['realtime', 'openai-insecure-api-key.sk-1'] });
 */
export function openEventSocket(
  url: string,
  options: { headers?: Record<string, string>; protocols?: string[]; maxPayload?: number } = {},
): Promise<EventSocket> {
  const clientOptions: ClientOptions = { maxPayload: options.maxPayload ?? 64 * 1024 * 1024 };
  if (options.headers !== undefined) clientOptions.headers = options.headers;
  const ws = new WebSocket(url, options.protocols ?? [], clientOptions);
  const events: unknown[] = [];
  let cursor = 0;
  const waiters: (() => void)[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters.splice(0)) wake();
    });
  });
  ws.on('message', (data) => {
    const text = data.toString();
    try {
      events.push(JSON.parse(text));
    } catch {
      events.push(text);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const next: EventSocket['next'] = (match, timeoutMs = 5_000) => {
    const matches =
      typeof match === 'string' ? (event: Record<string, unknown>) => event.type === match : match;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        // A waiter that timed out must not consume later events meant for the next call.
        settled = true;
        reject(
          new Error(
            `no event matching ${typeof match === 'string' ? match : 'the predicate'} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const look = () => {
        if (settled) return;
        while (cursor < events.length) {
          const event = events[cursor++];
          if (typeof event === 'object' && event !== null && matches(event as Record<string, unknown>)) {
            settled = true;
            clearTimeout(timer);
            resolve(event as Record<string, unknown>);
            return;
          }
        }
        if (ws.readyState === WebSocket.CLOSED) {
          settled = true;
          clearTimeout(timer);
          reject(
            new Error(
              `socket closed before an event matching ${typeof match === 'string' ? match : 'the predicate'}`,
            ),
          );
          return;
        }
        waiters.push(look);
      };
      look();
    });
  };
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_request, response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        reject(
          new UpgradeRefusedError(
            response.statusCode ?? 0,
            Buffer.concat(parts).toString(),
            response.headers,
          ),
        );
        ws.terminate();
      });
      ws.on('error', () => {});
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {}); // Surfaces as the close code.
      resolve({
        ws,
        events,
        protocol: ws.protocol,
        next,
        send: (event) => ws.send(JSON.stringify(event)),
        closed,
        close: (code, reason) => ws.close(code, reason),
      });
    });
  });
}
