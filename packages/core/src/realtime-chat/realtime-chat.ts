import type { buildConnector } from 'undici';
import { GatewayError } from '../errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { ChatUsage } from '../formats/openai-chat-types.js';
import { removeInjectedUsage } from '../streaming/remove-injected-usage.js';
import type { GatewayContext, GatewayResponse, JsonObject, Policy, Upstream } from '../types.js';
import { upstreamRequestHeaders } from '../upstream/headers.js';
import { clientClosedRequest, upstreamFailure } from '../upstream/upstream-failure.js';
import { chatToRealtime } from './chat-to-realtime.js';
import { HandshakeTimeoutError, type LinkClosed, RealtimeLink } from './realtime-link.js';
import { ChatAnswerWriter, chatUsage, finishReason } from './realtime-to-chat.js';

/** What the bridge knows of one upstream that has realtime-only models. */
export interface RealtimeUpstream {
  models: ReadonlySet<string>;
  /** Its egress connector: the same address map, DoH, private-address guard, proxy and CA as its pool. */
  connect: buildConnector.connector;
}

// The client's HTTP framing and an HTTP caller's beta header mean nothing on the Realtime leg;
// ws sets its own Sec-WebSocket-* headers. `OpenAI-Beta: realtime=v1` would get the session
// refused (beta_api_shape_disabled), so Ferry never sends one.
const notForUpgrade = new Set([
  'content-type',
  'accept',
  'openai-beta',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  rate_limit_error: 429,
  insufficient_quota: 429,
  server_error: 500,
};

/**
 * The innermost policy of a gateway with realtime-only models: a Chat Completions request
 * whose upstream (as routing chose it, after its `models` map) lists the model in
 * `realtimeModels` is answered through a Realtime session instead of an HTTP request; every
 * other request goes on to the forwarder. Everything outside (limits, filter, budgets,
 * retries, fallback, breaker, accounting) sees an ordinary upstream answer: an upgrade refused
 * with a status is that status and body; an `error` event before any text is the status of its
 * type (400, 401, 403, 429, 500); connect and handshake failures are the usual upstream errors.
 *
 * @example
 * realtimeChat(new Map([['openai', { models: new Set(['gpt-realtime']), connect }]]), events);
 */
export function realtimeChat(
  upstreams: ReadonlyMap<string, RealtimeUpstream>,
  events: GatewayEvents,
): Policy {
  return (next) => (context) => {
    const upstream = context.upstream;
    const body = context.body;
    if (upstream === undefined || body === undefined || context.route.name !== 'chat.completions') {
      return next(context);
    }
    const realtime = upstreams.get(upstream.name);
    if (realtime === undefined || typeof body.model !== 'string' || !realtime.models.has(body.model)) {
      return next(context);
    }
    return answerOverRealtime(context, upstream, realtime, body, events);
  };
}

async function answerOverRealtime(
  context: GatewayContext,
  upstream: Upstream,
  realtime: RealtimeUpstream,
  body: JsonObject,
  events: GatewayEvents,
): Promise<GatewayResponse> {
  const model = body.model as string;
  // Refused before any connection is opened: nothing upstream is spent on it.
  const turn = chatToRealtime(body);
  context.record.upstreamTransport = 'realtime';
  const origin = upstream.origin.replace(/^http/, 'ws');
  const link = new RealtimeLink({
    url: `${origin}${upstream.basePath}/realtime?model=${encodeURIComponent(model)}`,
    headers: upstreamRequestHeaders(context.request.headers, upstream, context.requestId, notForUpgrade),
    connect: realtime.connect,
    handshakeTimeoutMs: upstream.firstByteTimeoutMs,
  });
  const gone = () => link.close();
  if (context.onClientGone !== undefined) context.onClientGone(gone);
  else context.signal.addEventListener('abort', gone, { once: true });
  const sentAt = performance.now();
  let waitedUntil = sentAt;
  const attempt = (status: number | undefined, error: GatewayError | undefined) => {
    waitedUntil = performance.now();
    if (events.wants('attempt')) {
      events.emit('attempt', {
        context,
        upstream: upstream.name,
        status,
        error,
        durationMs: waitedUntil - sentAt,
      });
    }
  };
  try {
    let refusal: Awaited<typeof link.opened>;
    try {
      refusal = await link.opened;
    } catch (error) {
      const failure = context.aborted ? clientClosedRequest() : handshakeFailure(error, upstream.name);
      attempt(undefined, failure);
      throw failure;
    }
    if (refusal !== undefined) {
      link.close();
      context.record.upstreamStatus = refusal.status;
      attempt(refusal.status, undefined);
      return { status: refusal.status, headers: refusal.headers, body: refusal.body };
    }
    context.record.upstreamStatus = 101;
    for (const frame of turn.frames) link.send(frame);
    let first: FirstOutput;
    try {
      first = await firstOutput(link, upstream);
    } catch (error) {
      // As the forwarder reports a failure before headers: one attempt, with its error.
      const failure = context.aborted
        ? clientClosedRequest()
        : upstreamFailure(error, 'before-headers', upstream.name);
      attempt(undefined, failure);
      throw failure;
    }
    if (first.kind === 'error') {
      link.close();
      attempt(first.response.status, undefined);
      return first.response;
    }
    attempt(101, undefined);
    const headers: Record<string, string> = {};
    if (link.upstreamRequestId !== undefined) headers['x-upstream-request-id'] = link.upstreamRequestId;
    const writer = new ChatAnswerWriter(`chatcmpl-${first.responseId}`, model);
    if (!context.stream) {
      const answer = await wholeAnswer(link, upstream, first);
      link.close();
      headers['content-type'] = 'application/json';
      return { status: 200, headers, body: writer.completion(answer.text, answer.finish, answer.usage) };
    }
    // The answer always carries its usage chunk, so accounting has the upstream's own numbers;
    // it is dropped on the way out when the client did not ask for it, as for injected usage.
    if ((body.stream_options as JsonObject | undefined)?.include_usage !== true) {
      context.transforms.push(removeInjectedUsage);
    }
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache';
    return { status: 200, headers, body: streamedAnswer(link, upstream, first, writer) };
  } catch (error) {
    link.close();
    // Closing on the client's departure shows up here as a closed session: say what happened.
    throw context.aborted ? clientClosedRequest() : error;
  } finally {
    context.upstreamWaitMs += waitedUntil - sentAt;
  }
}

type FirstOutput =
  | { kind: 'error'; response: GatewayResponse }
  | { kind: 'output'; responseId: string; event: JsonObject };

/**
 * Waits for the first text or the end of the response, as for an HTTP upstream's headers: one
 * `firstByteTimeoutMs` from the moment the connection was made covers the upgrade and this.
 */
async function firstOutput(link: RealtimeLink, upstream: Upstream): Promise<FirstOutput> {
  let responseId = '';
  const deadline = link.connectedAt + upstream.firstByteTimeoutMs;
  for (;;) {
    const event = await link.next(Math.max(1, deadline - performance.now()));
    if (event === 'timeout') {
      throw new GatewayError('upstream_timeout', `The upstream "${upstream.name}" did not answer in time.`);
    }
    if (event === 'closed') throw closedBeforeAnswer(upstream.name, link.closed);
    const type = event.type;
    if (type === 'error') return { kind: 'error', response: errorResponse(event.error) };
    if (type === 'response.created') {
      responseId = String((event.response as JsonObject | undefined)?.id ?? '');
      continue;
    }
    if (type === 'response.output_text.delta' || type === 'response.done') {
      if (type === 'response.done') {
        const failed = failedResponse(event.response as JsonObject | undefined);
        if (failed !== undefined) return { kind: 'error', response: failed };
        responseId ||= String((event.response as JsonObject | undefined)?.id ?? '');
      }
      return { kind: 'output', responseId, event };
    }
  }
}

interface WholeAnswer {
  text: string;
  finish: string;
  usage: ChatUsage | undefined;
}

async function wholeAnswer(
  link: RealtimeLink,
  upstream: Upstream,
  first: { event: JsonObject },
): Promise<WholeAnswer> {
  let text = '';
  let event: JsonObject = first.event;
  for (;;) {
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') text += event.delta;
    else if (event.type === 'response.done') {
      const response = (event.response ?? {}) as JsonObject;
      const failed = failedResponse(response);
      if (failed !== undefined) throw midResponseFailure(upstream.name, 'failed');
      return { text, finish: finishReason(response), usage: chatUsage(response.usage) };
    } else if (event.type === 'error') throw midResponseFailure(upstream.name, errorCode(event.error));
    event = await nextEvent(link, upstream);
  }
}

/** The SSE body: chunks as the events arrive, the socket paused while the client is slow. */
async function* streamedAnswer(
  link: RealtimeLink,
  upstream: Upstream,
  first: { event: JsonObject },
  writer: ChatAnswerWriter,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield writer.roleChunk();
    let event: JsonObject = first.event;
    for (;;) {
      if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') {
        if (event.delta !== '') yield writer.deltaChunk(event.delta);
      } else if (event.type === 'response.done') {
        const response = (event.response ?? {}) as JsonObject;
        if (failedResponse(response) !== undefined) throw midResponseFailure(upstream.name, 'failed');
        yield writer.endChunks(finishReason(response), chatUsage(response.usage));
        return;
      } else if (event.type === 'error') throw midResponseFailure(upstream.name, errorCode(event.error));
      event = await nextEvent(link, upstream);
    }
  } finally {
    // Done, failed, or the client left (the relay calls return()): the session ends now.
    link.close();
  }
}

async function nextEvent(link: RealtimeLink, upstream: Upstream): Promise<JsonObject> {
  const event = await link.next(upstream.idleTimeoutMs);
  if (event === 'timeout') {
    throw new GatewayError(
      'upstream_idle_timeout',
      `The upstream "${upstream.name}" stopped sending mid-response.`,
    );
  }
  if (event === 'closed') {
    throw new GatewayError(
      'upstream_stream_error',
      `The upstream "${upstream.name}" closed the session mid-response.`,
    );
  }
  return event;
}

/** A `response.done` whose status is `failed` or `cancelled`, as the response its error would be. */
function failedResponse(response: JsonObject | undefined): GatewayResponse | undefined {
  const status = response?.status;
  if (status !== 'failed' && status !== 'cancelled') return undefined;
  const error = (response?.status_details as JsonObject | null | undefined)?.error;
  return errorResponse(
    error ?? { type: 'server_error', code: null, message: `The realtime response was ${status}.` },
  );
}

/** An upstream `error` event as the HTTP answer an HTTP upstream would have given: its status and OpenAI body. */
function errorResponse(error: unknown): GatewayResponse {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as JsonObject;
  const type = typeof fields.type === 'string' ? fields.type : 'server_error';
  const code = typeof fields.code === 'string' ? fields.code : null;
  const status = code === 'rate_limit_exceeded' ? 429 : (statusOfErrorType[type] ?? 502);
  const message =
    typeof fields.message === 'string' ? fields.message.slice(0, 1_000) : 'The realtime session failed.';
  const param = typeof fields.param === 'string' ? fields.param : null;
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(JSON.stringify({ error: { message, type, param, code } })),
  };
}

function errorCode(error: unknown): string {
  const code = (error as JsonObject | null | undefined)?.code;
  return typeof code === 'string' ? code.slice(0, 64) : 'error';
}

const midResponseFailure = (name: string, code: string) =>
  new GatewayError(
    'upstream_stream_error',
    `The upstream "${name}" ended the realtime response with an error (${code}).`,
  );

function closedBeforeAnswer(name: string, closed: LinkClosed | undefined): GatewayError {
  return new GatewayError(
    'upstream_connection_reset',
    `The upstream "${name}" closed the realtime session before answering (${closed?.code ?? 1006}).`,
  );
}

/** A failure before the 101: connect errors as for HTTP, no 101 in time as a first-byte timeout. */
function handshakeFailure(error: unknown, name: string): GatewayError {
  if (error instanceof HandshakeTimeoutError) {
    return new GatewayError('upstream_timeout', `The upstream "${name}" did not answer in time.`, {
      cause: error,
    });
  }
  return upstreamFailure(error, 'before-headers', name);
}
