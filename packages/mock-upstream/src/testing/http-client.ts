// Small HTTP helpers for the mock's own tests: undici for ordinary requests, a raw socket when
// a test must see the exact chunk framing the mock wrote.
import { connect } from 'node:net';
import { request } from 'undici';

export interface TextResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** POSTs `body` (JSON-encoded unless already a string) and reads the whole response as text. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<TextResponse> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** GETs `url` and reads the whole response as text. */
export async function getText(url: string, headers: Record<string, string> = {}): Promise<TextResponse> {
  const response = await request(url, { headers });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

export interface ServerSentEvent {
  event: string | undefined;
  data: string;
}

/** Splits an SSE body into events (only `event:` and `data:` lines, which is all the mock sends). */
export function parseEvents(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice('event: '.length);
      else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
    }
    events.push({ event, data: data.join('\n') });
  }
  return events;
}

/** The JSON payloads of `data:` events, without the `[DONE]` terminator. */
export function eventPayloads(text: string): Record<string, unknown>[] {
  return parseEvents(text)
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);
}

export interface RawChunkedResponse {
  head: string;
  /** Sizes of the HTTP/1.1 chunks, in order, without the terminating zero chunk. */
  chunkSizes: number[];
  body: Buffer;
  /** True when the terminating zero-size chunk arrived. */
  complete: boolean;
}

/** Sends one request over a fresh socket and decodes the chunked response frame by frame. */
export function rawChunkedPost(
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawChunkedResponse> {
  const payload = Buffer.from(JSON.stringify(body));
  const headerLines = Object.entries({ ...headers, 'content-type': 'application/json' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const requestText = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n${headerLines}content-length: ${payload.length}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (data: Buffer) => received.push(data));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(decodeChunked(Buffer.concat(received)));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(Buffer.concat([Buffer.from(requestText), payload]));
  });
}

function decodeChunked(bytes: Buffer): RawChunkedResponse {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd === -1) throw new Error('no complete response head');
  const head = bytes.subarray(0, headEnd).toString();
  if (!/^transfer-encoding: chunked$/im.test(head)) throw new Error(`response is not chunked:\n${head}`);
  const chunkSizes: number[] = [];
  const parts: Buffer[] = [];
  let offset = headEnd + 4;
  while (offset < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString(), 16);
    if (size === 0) return { head, chunkSizes, body: Buffer.concat(parts), complete: true };
    if (lineEnd + 2 + size > bytes.length) break;
    chunkSizes.push(size);
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return { head, chunkSizes, body: Buffer.concat(parts), complete: false };
}
