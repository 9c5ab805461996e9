import type { IncomingHttpHeaders, IncomingMessage, RequestListener } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type BatchesState, filesAndBatches } from './batches-api.js';
import { chatCompletions } from './chat-completions.js';
import { embeddings } from './embeddings.js';
import type { Endpoint } from './endpoint.js';
import { Exchange } from './exchange.js';
import type { Fault } from './fault.js';
import type { FaultRegistry } from './fault-registry.js';
import { models } from './models.js';
import { faultErrorBody, invalidApiKeyBody, invalidRequestBody, unknownUrlBody } from './openai-errors.js';
import type { ResolvedOptions } from './options.js';
import { jsonResponse, type PlannedResponse } from './planned-response.js';
import type { RecordedRequest, RequestRecorder } from './request-recorder.js';
import { InvalidKnobError, type RequestSettings, readRequestSettings } from './request-settings.js';
import { deliver } from './response-delivery.js';
import { responses } from './responses-api.js';
import { textCompletions } from './text-completions.js';

/**
 * The mutable state one mock server shares across requests.
 *
 * @example
 * const state: MockState = { options: resolveOptions(), recorder: new RequestRecorder(), faults: new FaultRegistry(), arrivals: 0 };
 */
export interface MockState {
  options: ResolvedOptions;
  readonly recorder: RequestRecorder;
  readonly faults: FaultRegistry;
  /** Requests fully received so far; the next one gets `arrivals + 1` as its id. */
  arrivals: number;
  /** Uploaded files and batches (`/v1/files`, `/v1/batches`). */
  readonly batches: BatchesState;
}

const routes = new Map<string, Endpoint>([
  ['POST /v1/chat/completions', chatCompletions],
  ['POST /v1/completions', textCompletions],
  ['POST /v1/embeddings', embeddings],
  ['POST /v1/responses', responses],
  ['GET /v1/models', models],
]);

const faultModelPrefix = 'mock-fault:';
const emptyBody: Record<string, unknown> = Object.freeze({});

interface Plan {
  planned: PlannedResponse;
  settings: RequestSettings;
  fault: Fault | undefined;
}

/**
 * The `node:http` request listener of the mock: reads the body, records it, plans the response
 * and hands it to `deliver`.
 *
 * @example
 * const server = createServer(createRequestHandler(state));
 */
export function createRequestHandler(state: MockState): RequestListener {
  return (request, response) => {
    const exchange = new Exchange(response);
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      respond(state, exchange, request, body);
    });
  };
}

function respond(state: MockState, exchange: Exchange, request: IncomingMessage, body: Buffer): void {
  state.arrivals += 1;
  const id = state.arrivals;
  let json: unknown;
  let parsed = false;
  if (body.length > 0) {
    try {
      json = JSON.parse(body.toString());
      parsed = true;
    } catch {
      // Left undefined: the route decides whether a body was required.
    }
  }
  const { options, recorder } = state;
  if (options.record || recorder.hasWaiters) {
    recorder.add(recordRequest(id, request, body, json, exchange), options.record);
  }
  const url = request.url ?? '/';
  const pathname = url.split('?', 1)[0] as string;
  if (pathname.startsWith('/v1/files') || pathname.startsWith('/v1/batches')) {
    const method = request.method ?? 'GET';
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      deliver(exchange, jsonResponse(401, invalidApiKeyBody), `mock-req-${id}`, options, undefined);
      return;
    }
    void filesAndBatches(state.batches, method, pathname, request.headers, body, routes, options).then(
      (planned) =>
        deliver(
          exchange,
          planned ?? jsonResponse(404, unknownUrlBody(method, pathname)),
          `mock-req-${id}`,
          options,
          undefined,
        ),
    );
    return;
  }
  const { planned, settings, fault } = plan(state, request, id, json, parsed);
  deliver(exchange, planned, `mock-req-${id}`, settings, fault);
}

function recordRequest(
  id: number,
  request: IncomingMessage,
  body: Buffer,
  json: unknown,
  exchange: Exchange,
): RecordedRequest {
  let settle: (completed: boolean) => void = () => {};
  const closed = new Promise<{ completed: boolean; at: number }>((resolve) => {
    settle = (completed) => resolve({ completed, at: performance.now() });
  });
  if (exchange.closed) settle(false);
  else exchange.onClosed = settle;
  return {
    id,
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    headers: request.headers,
    rawHeaders: request.rawHeaders,
    body,
    json,
    receivedAt: performance.now(),
    closed,
  };
}

function plan(state: MockState, request: IncomingMessage, id: number, json: unknown, parsed: boolean): Plan {
  const { options } = state;
  const early = (status: number, body: string): Plan => ({
    planned: jsonResponse(status, body),
    settings: options,
    fault: undefined,
  });
  if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
    return early(401, invalidApiKeyBody);
  }
  const method = request.method ?? 'GET';
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  const endpoint = routes.get(`${method} ${pathname}`);
  if (endpoint === undefined) return early(404, unknownUrlBody(method, pathname));
  let body = emptyBody;
  if (method === 'POST') {
    if (!parsed || typeof json !== 'object' || json === null || Array.isArray(json)) {
      return early(400, invalidRequestBody('We could not parse the JSON body of your request.'));
    }
    body = json as Record<string, unknown>;
  }
  let settings: RequestSettings;
  let fault: Fault | undefined;
  try {
    settings = readRequestSettings(request.headers, options);
    const spec = faultSpec(request.headers, body.model);
    fault = spec === undefined ? undefined : state.faults.claim(spec);
  } catch (error) {
    const code = error instanceof InvalidKnobError ? 'invalid_mock_header' : 'invalid_mock_fault';
    return early(400, invalidRequestBody(error instanceof Error ? error.message : String(error), code));
  }
  const planned =
    fault?.status === undefined
      ? endpoint({ id, body, settings, options })
      : jsonResponse(fault.status, faultErrorBody(fault.status));
  return { planned, settings, fault };
}

/** The fault spec of a request: the `x-mock-fault` header, else a `mock-fault:<spec>` model name. */
function faultSpec(headers: IncomingHttpHeaders, model: unknown): string | undefined {
  const header = headers['x-mock-fault'];
  if (header !== undefined) return Array.isArray(header) ? header.join(';') : header;
  if (typeof model === 'string' && model.startsWith(faultModelPrefix))
    return model.slice(faultModelPrefix.length);
  return undefined;
}
