import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBatchesState } from './batches-api.js';
import { FaultRegistry } from './fault-registry.js';
import { type MockUpstreamOptions, resolveOptions } from './options.js';
import { createRequestHandler, type MockState } from './request-handler.js';
import { type RecordedRequest, RequestRecorder } from './request-recorder.js';
import { type RecordedSocket, SocketRecorder } from './socket-recorder.js';
import { attachWebSockets } from './websocket-upgrade.js';

/**
 * A running mock upstream.
 *
 * @example
 * const mock = await startMockUpstream();
 * const client = new OpenAI({ baseURL: mock.url, apiKey: 'unused' });
 * await mock.close();
 */
export interface MockUpstream {
  /** API base as the openai client expects it: `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  port: number;
  /** Recorded requests in arrival order (empty with `record: false`). */
  requests: RecordedRequest[];
  /** Resolves with the next request whose arrival number is > requests already seen (or matching predicate). */
  nextRequest(predicate?: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  /** WebSockets accepted (Realtime and Responses WebSocket mode) in order (empty with `record: false`). */
  sockets: RecordedSocket[];
  /** Resolves with the next accepted WebSocket after those already returned (or matching predicate). */
  nextSocket(predicate?: (socket: RecordedSocket) => boolean): Promise<RecordedSocket>;
  /** Forgets recorded requests and sockets and the `times=n` counts of fault specs. */
  reset(): void;
  /** Changes knobs at run time (`host` and `port` only apply at start). Throws on a bad value. */
  setOptions(options: Partial<MockUpstreamOptions>): void;
  /** Closes the server and destroys open sockets, stalled ones and WebSockets included. */
  close(): Promise<void>;
}

// Above the 5 s Node default so pooled client connections are not cut between benchmark rounds.
const keepAliveTimeoutMs = 65_000;

/**
 * Starts an OpenAI-compatible mock LLM server (port 0 by default: a free port).
 *
 * @example
 * const mock = await startMockUpstream({ chunks: 3 });
 * const response = await fetch(`${mock.url}/models`);
 * await mock.close();
 */
export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const state: MockState = {
    options: resolveOptions(options),
    recorder: new RequestRecorder(),
    faults: new FaultRegistry(),
    arrivals: 0,
    batches: createBatchesState(),
  };
  const server = createServer(
    {
      keepAliveTimeout: keepAliveTimeoutMs,
      headersTimeout: keepAliveTimeoutMs + 1_000,
      // Stalls are a feature: a request may legitimately stay open until the client gives up.
      requestTimeout: 0,
      noDelay: true,
    },
    createRequestHandler(state),
  );
  const socketRecorder = new SocketRecorder();
  let acceptedSockets = 0;
  const webSockets = attachWebSockets(server, () => ({
    options: state.options,
    faults: state.faults,
    recorder: socketRecorder,
    onAccepted: () => {
      acceptedSockets += 1;
    },
  }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Node's default backlog (511) overflows when a benchmark opens 1000 connections at once;
    // the kernel then drops them and clients retry after 1 s, 3 s, ... (capped by somaxconn).
    server.listen({ port: state.options.port, host: state.options.host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = state.options.host.includes(':') ? `[${state.options.host}]` : state.options.host;
  const origin = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    requests: state.recorder.requests,
    nextRequest: (predicate) => state.recorder.nextRequest(predicate),
    sockets: socketRecorder.sockets,
    nextSocket: (predicate) => socketRecorder.nextSocket(predicate),
    reset: () => {
      state.recorder.reset(state.arrivals);
      socketRecorder.reset(acceptedSockets);
      state.faults.reset();
    },
    setOptions: (changes) => {
      state.options = resolveOptions(changes, state.options);
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        webSockets.close();
        server.close(() => resolve());
        // Destroying every socket fires each response's 'close', which clears its timers.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
