import type { IncomingHttpHeaders } from 'node:http';
import type WebSocket from 'ws';
import { GatewayError } from '../errors.js';
import type { GatewayRequest, GatewayResponse, JsonObject } from '../types.js';
import { ChatTurnRequest } from './chat-turn-request.js';

const encoder = new TextEncoder();
const idPattern = /^[\w.:@/+=-]{1,128}$/;

/**
 * Chat Completions over one WebSocket (docs/websocket.md, "Chat Completions over WebSocket").
 * Client frames: `{"type":"request","id":"r1","body":{...chat completions body...}}` and
 * `{"type":"cancel","id":"r1"}`. Each request runs through the ordinary HTTP pipeline (its
 * limits, retries, fallback, filter, log line) as a streamed `POST /v1/chat/completions` with
 * usage requested; its SSE chunks come back as `{"type":"chunk","id":"r1","data":{chunk}}`, then
 * `{"type":"done","id":"r1","usage":{...}}`; a failure is `{"type":"error","id":"r1","status",
 * "error":{OpenAI error}}`. Up to `maxInFlight` requests run at once; sending waits while the
 * client's queue is above the high-water mark.
 * @internal
 */
export class ChatSocketSession {
  private readonly running = new Map<string, ChatTurnRequest>();

  constructor(
    private readonly client: WebSocket,
    private readonly handle: (request: GatewayRequest) => Promise<GatewayResponse>,
    private readonly path: string,
    private readonly headers: IncomingHttpHeaders,
    private readonly remoteAddress: string | undefined,
    private readonly settings: { maxInFlight: number; highWaterMarkBytes: number },
  ) {}

  start(): void {
    this.client.on('message', (data, binary) => this.receive(data as Buffer, binary));
    this.client.on('error', () => {});
    this.client.on('close', () => {
      for (const request of this.running.values()) request.cancel();
      this.running.clear();
    });
  }

  private receive(data: Buffer, binary: boolean): void {
    let frame: JsonObject;
    try {
      if (binary) throw new SyntaxError('binary');
      frame = JSON.parse(data.toString('utf8')) as JsonObject;
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
        throw new SyntaxError('not an object');
    } catch {
      this.sendError(
        undefined,
        new GatewayError('invalid_json', 'A frame must be a JSON object in a text frame.'),
      );
      return;
    }
    const id = frame.id;
    if (typeof id !== 'string' || !idPattern.test(id)) {
      this.sendError(
        undefined,
        new GatewayError('invalid_value', '"id" must be a string of 1-128 safe characters.', { param: 'id' }),
      );
      return;
    }
    if (frame.type === 'cancel') {
      this.running.get(id)?.cancel();
      return;
    }
    if (frame.type !== 'request') {
      this.sendError(
        id,
        new GatewayError('invalid_value', '"type" must be "request" or "cancel".', { param: 'type' }),
      );
      return;
    }
    const body = frame.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      this.sendError(
        id,
        new GatewayError('invalid_body', '"body" must be a Chat Completions request object.', {
          param: 'body',
        }),
      );
      return;
    }
    if (this.running.has(id)) {
      this.sendError(
        id,
        new GatewayError('invalid_value', `A request with id "${id}" is still running.`, { param: 'id' }),
      );
      return;
    }
    if (this.running.size >= this.settings.maxInFlight) {
      this.sendError(
        id,
        new GatewayError(
          'websocket_busy',
          `At most ${this.settings.maxInFlight} requests may run at once on one socket.`,
        ),
      );
      return;
    }
    // Always streamed, with usage, so chunks go out as they come and `done` can carry usage.
    const streamed = { ...(body as JsonObject), stream: true, stream_options: { include_usage: true } };
    const request = new ChatTurnRequest(
      this.path,
      this.headers,
      encoder.encode(JSON.stringify(streamed)),
      this.remoteAddress,
    );
    this.running.set(id, request);
    this.run(id, request).finally(() => {
      if (this.running.get(id) === request) this.running.delete(id);
    });
  }

  private async run(id: string, request: ChatTurnRequest): Promise<void> {
    const answer = await this.handle(request);
    if (answer.status !== 200) {
      const text = await readAll(answer.body);
      let error: unknown;
      try {
        error = (JSON.parse(text) as { error?: unknown }).error;
      } catch {
        error = undefined;
      }
      this.send({
        type: 'error',
        id,
        status: answer.status,
        error: error ?? { message: text.slice(0, 500), type: 'upstream_error', param: null, code: null },
      });
      return;
    }
    let usage: unknown = null;
    let failed = false;
    const decoder = new TextDecoder();
    let pending = '';
    const body = answer.body;
    const chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> =
      body === undefined ? [] : body instanceof Uint8Array ? [body] : body;
    try {
      for await (const bytes of chunks) {
        pending += decoder.decode(bytes, { stream: true });
        let end = pending.indexOf('\n\n');
        while (end !== -1) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          end = pending.indexOf('\n\n');
          for (const line of event.split('\n')) {
            if (!line.startsWith('data:')) continue;
            const data = line.slice(line.charAt(5) === ' ' ? 6 : 5);
            if (data === '[DONE]') continue;
            const chunk = JSON.parse(data) as JsonObject;
            if (chunk.error !== undefined) {
              failed = true;
              this.send({ type: 'error', id, status: 502, error: chunk.error });
              continue;
            }
            if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
            await this.send({ type: 'chunk', id, data: chunk });
          }
        }
        if (request.aborted) break;
      }
    } catch {
      // The stream failed or was cancelled; the pipeline logged it.
      if (!request.aborted && !failed) {
        failed = true;
        this.sendError(id, new GatewayError('upstream_stream_error', 'The answer failed mid-stream.'));
      }
    }
    if (request.aborted) this.send({ type: 'cancelled', id });
    else if (!failed) this.send({ type: 'done', id, usage });
  }

  private sendError(id: string | undefined, error: GatewayError): void {
    this.send({ type: 'error', id: id ?? null, status: error.status, error: error.toJSON().error });
  }

  /** Sends one frame; resolves at once unless the client's queue is above the high-water mark. */
  private send(frame: unknown): Promise<void> {
    const client = this.client;
    if (client.readyState !== 1) return Promise.resolve();
    const text = JSON.stringify(frame);
    if (client.bufferedAmount < this.settings.highWaterMarkBytes) {
      client.send(text);
      return Promise.resolve();
    }
    return new Promise((resolve) => client.send(text, () => resolve()));
  }
}

async function readAll(body: GatewayResponse['body']): Promise<string> {
  if (body === undefined) return '';
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}
