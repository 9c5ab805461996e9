import type { Fault } from './fault.js';
import type { MockSocket } from './mock-socket.js';
import type { RequestSettings } from './request-settings.js';
import { responseEvents } from './responses-api.js';

/**
 * What a Responses WebSocket needs from the connection it runs on.
 *
 * @example
 * const setup: ResponsesSocketSetup = { id: 1, settings, fault: undefined, claimFault };
 */
export interface ResponsesSocketSetup {
  id: number;
  settings: RequestSettings;
  /** The fault claimed at upgrade; its per-response items apply to every response. */
  fault: Fault | undefined;
  /** Claims a fault spec from `metadata["x-mock-fault"]` or a `mock-fault:` model (throws on a bad spec). */
  claimFault(spec: string): Fault | undefined;
}

// Real servers keep the most recent responses of a connection in memory for
// `previous_response_id` with `store: false`; the mock keeps this many ids per socket.
const rememberedResponses = 64;
const faultModelPrefix = 'mock-fault:';

/**
 * The Responses API WebSocket mode on one socket: each `{"type":"response.create", model,
 * input, …}` frame is answered with the same `response.*` events as the SSE stream, one frame
 * each. `generate: false` (a warm-up) is acked with `response.created` and a
 * `response.completed` without output or usage. One response is in flight per socket; a second
 * `response.create` meanwhile gets an `error` event `response_already_in_flight`. A
 * `previous_response_id` the socket has not produced gets `previous_response_not_found`.
 *
 * @example
 * const session = new ResponsesSocket(socket, setup);
 * ws.on('message', (data, isBinary) => session.receive(data.toString(), isBinary));
 */
export class ResponsesSocket {
  readonly #socket: MockSocket;
  readonly #setup: ResponsesSocketSetup;
  readonly #known: string[] = [];
  #count = 0;
  #inFlight: string | undefined;

  constructor(socket: MockSocket, setup: ResponsesSocketSetup) {
    this.#socket = socket;
    this.#setup = setup;
  }

  /** Handles one client frame. */
  receive(text: string, isBinary: boolean): void {
    if (isBinary) {
      this.#error(400, 'invalid_request_error', 'Binary frames are not supported.', 'invalid_value');
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.#error(400, 'invalid_request_error', 'The frame could not be parsed as JSON.', 'invalid_json');
      return;
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      this.#error(400, 'invalid_request_error', 'A frame must be a JSON object.', 'invalid_value');
      return;
    }
    const body = frame as Record<string, unknown>;
    if (body.type !== 'response.create') {
      this.#error(
        400,
        'invalid_request_error',
        `Invalid value: '${String(body.type).slice(0, 100)}'. Supported values are: 'response.create'.`,
        'invalid_value',
        'type',
      );
      return;
    }
    if (this.#inFlight !== undefined) {
      this.#error(
        400,
        'invalid_request_error',
        `A response is already in flight on this connection (${this.#inFlight}); send the next response.create after it completes.`,
        'response_already_in_flight',
      );
      return;
    }
    if (typeof body.model !== 'string') {
      this.#missing('model');
      return;
    }
    const generate = body.generate !== false;
    if (generate && typeof body.input !== 'string' && !Array.isArray(body.input)) {
      this.#missing('input');
      return;
    }
    const previous = body.previous_response_id;
    if (previous !== undefined && previous !== null && !this.#known.includes(String(previous))) {
      this.#error(
        400,
        'invalid_request_error',
        `Previous response with id '${String(previous).slice(0, 100)}' not found.`,
        'previous_response_not_found',
        'previous_response_id',
      );
      return;
    }
    let fault = this.#setup.fault;
    const spec = faultSpec(body);
    if (spec !== undefined) {
      try {
        fault = this.#setup.claimFault(spec);
      } catch (error) {
        this.#error(400, 'invalid_request_error', (error as Error).message, 'invalid_mock_fault');
        return;
      }
    }
    const responseId = `resp_mock_${this.#setup.id}_${++this.#count}`;
    this.#remember(responseId);
    const events = generate
      ? responseEvents(responseId, body, this.#setup.settings)
      : warmUpEvents(responseId, body);
    const frames = events.map((event) => event.json);
    const oversizeBytes = fault?.oversizeBytes;
    if (oversizeBytes !== undefined && generate) {
      // Second in the stream; the events after it move up one sequence number.
      for (let index = 1; index < frames.length; index += 1) {
        frames[index] = (frames[index] as string).replace(
          /"sequence_number":(\d+)/,
          (_, n) => `"sequence_number":${Number(n) + 1}`,
        );
      }
      frames.splice(1, 0, oversized(responseId, oversizeBytes));
    }
    this.#inFlight = responseId;
    this.#socket
      .sendEvents(frames, this.#setup.settings, fault, () => false)
      .then(
        (outcome) => {
          // A stalled or cut response stays in flight, as a hung upstream turn does.
          if (outcome !== 'cut') this.#inFlight = undefined;
        },
        () => this.#socket.raw.destroy(),
      );
  }

  /** Sends the error that ends a connection at its time cap, then closes it. */
  expire(limitMs: number): void {
    this.#error(
      400,
      'invalid_request_error',
      `Responses websocket connection limit reached (${Math.round(limitMs / 60_000)} minutes). Create a new websocket connection to continue.`,
      'websocket_connection_limit_reached',
    );
  }

  #remember(responseId: string): void {
    this.#known.push(responseId);
    if (this.#known.length > rememberedResponses) this.#known.shift();
  }

  #missing(param: string): void {
    this.#error(
      400,
      'invalid_request_error',
      `Missing required parameter: '${param}'.`,
      'missing_required_parameter',
      param,
    );
  }

  #error(status: number, type: string, message: string, code: string, param: string | null = null): void {
    this.#socket.send(JSON.stringify({ type: 'error', status, error: { type, code, message, param } }));
  }
}

function faultSpec(body: Record<string, unknown>): string | undefined {
  const metadata = body.metadata as Record<string, unknown> | undefined;
  const spec = metadata?.['x-mock-fault'];
  if (typeof spec === 'string') return spec;
  const { model } = body;
  if (typeof model === 'string' && model.startsWith(faultModelPrefix))
    return model.slice(faultModelPrefix.length);
  return undefined;
}

/** The ack of a `generate: false` warm-up: a response id to chain from, no output, no tokens. */
function warmUpEvents(responseId: string, body: Record<string, unknown>): { type: string; json: string }[] {
  const head = {
    id: responseId,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model: body.model,
    error: null,
    output: [],
  };
  return [
    {
      type: 'response.created',
      json: JSON.stringify({
        type: 'response.created',
        sequence_number: 0,
        response: { ...head, status: 'in_progress', usage: null },
      }),
    },
    {
      type: 'response.completed',
      json: JSON.stringify({
        type: 'response.completed',
        sequence_number: 1,
        response: {
          ...head,
          status: 'completed',
          usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
        },
      }),
    },
  ];
}

/** A `response.in_progress` frame padded to exactly `bytes` bytes through its `metadata`. */
function oversized(responseId: string, bytes: number): string {
  const empty = JSON.stringify({
    type: 'response.in_progress',
    sequence_number: 1,
    response: { id: responseId, object: 'response', status: 'in_progress', metadata: { padding: '' } },
  });
  const padding = Math.max(0, bytes - Buffer.byteLength(empty));
  return empty.replace('"padding":""', `"padding":"${'x'.repeat(padding)}"`);
}
