import { Agent, request } from 'undici';
import { createConnector } from '../../upstream/egress/connector.js';
import { HostResolver } from '../../upstream/egress/host-resolver.js';

/** What a platform answered: status, headers and at most `maxAnswerBytes` of the body. */
export interface SinkAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A send that got no usable answer. */
export class SinkTransportError extends Error {
  readonly kind: 'timeout' | 'network' | 'address_refused';
  constructor(kind: SinkTransportError['kind'], message: string) {
    super(message);
    this.name = 'SinkTransportError';
    this.kind = kind;
  }
}

/** How a sink posts. */
export interface SinkTransport {
  post(url: URL, body: string, headers?: Record<string, string>): Promise<SinkAnswer>;
  close(): Promise<void>;
}

// Platform answers are small JSON objects; anything longer is not read into memory.
const maxAnswerBytes = 64 * 1024;
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The HTTP client of one sink: its own small undici Agent whose connector resolves the host
 * and refuses private, loopback and link-local addresses (Ferry's egress address guard, on
 * every new connection, so DNS rebinding cannot slip past a check made earlier) unless
 * `allowPrivateAddress`. Every post has one deadline for connect, headers and body; the answer
 * body is always read (capped) or destroyed, so no socket is left waiting.
 *
 * @example
 * const transport = createSinkTransport({ name: 'dingtalk', allowPrivateAddress: false, timeoutMs: 10_000 });
 * const answer = await transport.post(new URL(webhook), JSON.stringify(body));
 */
export function createSinkTransport(settings: {
  name: string;
  allowPrivateAddress: boolean;
  timeoutMs: number;
}): SinkTransport {
  const agent = new Agent({
    connections: 2,
    keepAliveTimeout: 30_000,
    connect: createConnector({
      upstreamName: settings.name,
      local: settings.allowPrivateAddress,
      resolver: new HostResolver({}),
      connectTimeoutMs: settings.timeoutMs,
    }),
  });
  const limit = settings.timeoutMs;
  return {
    async post(url, body, headers = {}) {
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
          body,
          headersTimeout: limit,
          bodyTimeout: limit,
          signal: AbortSignal.timeout(limit),
        });
      } catch (error) {
        throw transportError(error, limit);
      }
      try {
        return {
          status: response.statusCode,
          headers: response.headers,
          body: await readCapped(response.body),
        };
      } catch (error) {
        throw transportError(error, limit);
      } finally {
        if (!response.body.destroyed) response.body.destroy();
      }
    },
    close: () => agent.close(),
  };
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxAnswerBytes) break; // leaving the loop destroys the stream
  }
  return Buffer.concat(chunks).subarray(0, maxAnswerBytes).toString('utf8');
}

/** Names the failure by its code only: undici's messages may carry the URL, and so the token. */
function transportError(error: unknown, limitMs: number): SinkTransportError {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (code === 'upstream_address_refused') {
    return new SinkTransportError(
      'address_refused',
      'the URL resolves to a private or loopback address (set allowPrivateAddress to allow it)',
    );
  }
  if (
    (typeof code === 'string' && timeoutCodes.has(code)) ||
    name === 'TimeoutError' ||
    name === 'AbortError'
  ) {
    return new SinkTransportError('timeout', `no answer within ${limitMs} ms`);
  }
  const label = typeof code === 'string' ? code : typeof name === 'string' ? name : 'unknown error';
  return new SinkTransportError('network', `the request failed (${label})`);
}
