import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertMessage, AlertSinkError } from './alert-message.js';
import type { RateLimit } from './send-pacer.js';

/** Test helper: one request a fake platform received. */
export interface ReceivedRequest {
  /** The request target as sent, before any decoding. */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  at: number;
}

/** Test helper: what the fake platform answers; `stall` never answers. */
export type FakeAnswer = { status?: number; body: unknown; headers?: Record<string, string> } | 'stall';

/** Test helper: a platform on 127.0.0.1, port 0, answering through `handle`. */
export interface FakePlatform {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Test helper: starts a fake platform that records every request and answers with `handle`. */
export async function startFakePlatform(
  handle: (request: ReceivedRequest) => FakeAnswer,
): Promise<FakePlatform> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake.invalid');
      const received = {
        rawUrl: request.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        raw: Buffer.concat(chunks),
        at: Date.now(),
      };
      requests.push(received);
      const answer = handle(received);
      if (answer === 'stall') return;
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Test helper: a platform's rate limit as the platform applies it, over accepted messages in a
 * sliding window (stricter than a fixed window): `over(now)` is true when this one is too many.
 */
export class PlatformRateLimit {
  readonly #limits: readonly RateLimit[];
  readonly #accepted: number[] = [];
  constructor(limits: readonly RateLimit[]) {
    this.#limits = limits;
  }
  over(now: number): boolean {
    const tooMany = this.#limits.some(
      (limit) => this.#accepted.filter((at) => at > now - limit.windowMs).length >= limit.count,
    );
    if (!tooMany) this.#accepted.push(now);
    return tooMany;
  }
}

let sequence = 0;

/** Test helper: an alert with a unique incident id. */
export function testAlert(overrides: Partial<AlertMessage> = {}): AlertMessage {
  sequence++;
  return {
    severity: 'critical',
    title: `Upstream openai failing ${sequence}`,
    text: 'Error rate 35% over 5 minutes.',
    fields: { upstream: 'openai' },
    state: 'firing',
    incidentId: `incident-${sequence}-${Math.random().toString(36).slice(2, 8)}`,
    at: new Date('2026-01-02T03:04:05Z'),
    ...overrides,
  };
}

/** Test helper: collects what a sink reports to `onError`. */
export function errorLog(): { errors: AlertSinkError[]; onError: (error: AlertSinkError) => void } {
  const errors: AlertSinkError[] = [];
  return { errors, onError: (error) => errors.push(error) };
}
