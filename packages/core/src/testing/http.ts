import { connect } from 'node:net';
import { request } from 'undici';

/** A response read to its end. */
export interface ReadResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * Sends a request with undici and reads the whole answer. A body that is not a string is
 * JSON-encoded and sent with `content-type: application/json` (unless headers say otherwise).
 *
 * @example
 * const answer = await send(`${ferry.url}/chat/completions`, { body: { model: 'gpt-4o-mini', messages } });
 */
export async function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<ReadResponse> {
  const hasBody = init.body !== undefined;
  const response = await request(url, {
    method: (init.method ?? (hasBody ? 'POST' : 'GET')) as 'POST',
    headers: {
      ...(hasBody && typeof init.body !== 'string' && !(init.body instanceof Uint8Array)
        ? { 'content-type': 'application/json' }
        : {}),
      ...init.headers,
    },
    body: !hasBody
      ? undefined
      : typeof init.body === 'string' || init.body instanceof Uint8Array
        ? init.body
        : JSON.stringify(init.body),
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

/** What a raw socket exchange produced. */
export interface RawExchange {
  /** Every byte the server sent, status line and headers included. */
  bytes: Buffer;
  /** How the socket ended: `end` (clean FIN), or the error code that closed it. */
  ending: 'end' | string;
}

/**
 * Writes raw bytes to `port` and collects everything until the server closes the socket, for
 * requests no well-behaved client would send (bad framing, huge chunked bodies, early aborts).
 *
 * @example
 * const { bytes } = await rawExchange(ferry.port, 'GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
 */
export function rawExchange(port: number, payload: string | Buffer): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ bytes: Buffer.concat(chunks), ending: error.code ?? 'error' }),
    );
    socket.on('end', () => {
      socket.end();
      resolve({ bytes: Buffer.concat(chunks), ending: 'end' });
    });
    socket.once('connect', () => socket.write(payload));
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error('raw exchange timed out'));
    });
  });
}

/** Splits a raw HTTP/1.1 response into its head (status line, headers) and body text. */
export function splitRawResponse(bytes: Buffer): { head: string; status: number; body: Buffer } {
  const end = bytes.indexOf('\r\n\r\n');
  const head = bytes.subarray(0, end === -1 ? bytes.length : end).toString('latin1');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { head, status, body: end === -1 ? Buffer.alloc(0) : bytes.subarray(end + 4) };
}

/**
 * Decodes a chunked HTTP/1.1 body. `complete` is true only when the terminating zero-length
 * chunk arrived: a response cut by the server has `complete: false`.
 *
 * @example
 * const { data, complete } = decodeChunked(splitRawResponse(bytes).body);
 */
export function decodeChunked(body: Buffer): { data: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) break;
    if (size === 0) return { data: Buffer.concat(parts), complete: true };
    const start = lineEnd + 2;
    parts.push(body.subarray(start, Math.min(start + size, body.length)));
    offset = start + size + 2;
  }
  return { data: Buffer.concat(parts), complete: false };
}
