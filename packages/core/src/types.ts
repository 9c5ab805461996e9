import type { IncomingHttpHeaders } from 'node:http';
import type { buildConnector, Pool } from 'undici';
import type { ClientLimits } from './clients/client-options.js';
import type { GatewayError } from './errors.js';
import type { RequestRecord } from './events/request-record.js';
import type { Route } from './routes.js';

/** A configured upstream at run time: its one undici pool and what every request to it needs. */
export interface Upstream {
  readonly name: string;
  /**
   * The API it speaks: `openai` (OpenAI-compatible, the default) or `anthropic` (Messages API;
   * chat completions are converted to and from it, and the key goes in `x-api-key`).
   */
  readonly type: 'openai' | 'anthropic';
  /** Request fields removed before sending (parameters this upstream refuses), e.g. `logit_bias`. */
  readonly dropParams: readonly string[];
  /** Models sent `max_completion_tokens` instead of `max_tokens` (exact names or a trailing `*`). */
  readonly maxCompletionTokensModels: readonly string[];
  /** `https://api.openai.com` */
  readonly origin: string;
  /** The API base path without a trailing slash, e.g. `/v1` (may be empty). */
  readonly basePath: string;
  /** `Bearer <key>`, prepared once; undefined when the upstream needs no key. */
  readonly authorization: string | undefined;
  /** Configured extra headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly firstByteTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly pool: Pool;
  /**
   * Opens a socket to the upstream's host the way its pool does (address map, DoH, the
   * private-address guard, the egress proxy, the CA): the WebSocket leg connects through it.
   */
  readonly connect: buildConnector.connector;
}

/** A response body: whole bytes, or a stream of byte chunks relayed as they arrive. */
export type ResponseBody = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * What the gateway receives. Built by the Node bridge (or by a test, or another runtime's
 * adapter) — plain fields, no Web `Request`, because building one per request costs time.
 */
export interface GatewayRequest {
  method: string;
  /** Path inside the gateway's mount, without the query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Raw query string without the leading `?`, or `''`. */
  query: string;
  /** Lower-cased header names, as Node's `IncomingMessage.headers`. */
  headers: IncomingHttpHeaders;
  /** Raw request body bytes (the bytes a signature covers), or undefined when there is none. */
  body: Uint8Array | undefined;
  /** A body that a framework already parsed (e.g. `express.json()`), to avoid parsing it twice. */
  parsedBody?: unknown;
  /**
   * Aborted when the client goes away: everything downstream must stop. The Node bridge creates
   * it on first read: an `AbortController` per request is measurable on the hot path.
   */
  readonly signal: AbortSignal;
  /** True once the client went away, where the bridge can tell without creating `signal`. */
  readonly aborted?: boolean | undefined;
  /**
   * A cheaper way to learn that the client went away than listening on `signal`, offered by the
   * Node bridge: `listener` runs once if the client leaves before its response ended. It cannot
   * be removed, so it must be harmless once its request has finished.
   */
  onClientGone?: ((listener: () => void) => void) | undefined;
  remoteAddress?: string | undefined;
  /** Set by a bridge that could not read the request (body too large, client gone). */
  failure?: unknown;
}

/** What the gateway answers. `body` may be a live stream from the upstream. */
export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: ResponseBody | undefined;
}

export type JsonObject = { [key: string]: unknown };

/** Token usage as the upstream reports it (OpenAI field names). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens served from the upstream's prompt cache (`prompt_tokens_details.cached_tokens`), billed lower. */
  cachedPromptTokens?: number | undefined;
  /**
   * Where the numbers come from: the upstream's own report, a local estimate (cut stream), or no
   * upstream call at all: `cache` (an exact-cache hit) and `shared` (a caller that joined another
   * caller's upstream call). The last two carry zero tokens: they cost nothing.
   */
  source: 'upstream' | 'estimate' | 'cache' | 'shared';
}

/** An error answer in another shape: the status to send and the body bytes. */
export type ErrorRenderer = (
  error: GatewayError,
) => { status: number; body: Uint8Array } | Promise<{ status: number; body: Uint8Array }>;

/** Who is calling, once authenticated. */
export interface ClientIdentity {
  /** A stable, non-secret id for the key (never the key itself): safe in logs and metrics. */
  keyId: string;
  tenant?: string | undefined;
  /** The configured client (`clients[].id`) the key or signature belongs to. */
  clientId?: string | undefined;
  /** Models the client may use (a trailing `*` matches a prefix); undefined: all. */
  allowedModels?: readonly string[] | undefined;
  /** The client's limits from its options, for the admission stages. */
  limits?: ClientLimits | undefined;
}

/**
 * Observes a response body without changing it. Taps are called synchronously per chunk by
 * the one relay loop, so adding a tap does not add an async generator layer per chunk.
 */
export interface ResponseTap {
  chunk?(bytes: Uint8Array): void;
  /** Called once: `error` is set when the body failed or the client went away. */
  end?(error: unknown): void;
}

/** A filter of one growing answer text (a streamed part): what may go out now, and whether to stop. */
export interface TextPieceFilter {
  push(piece: string, final: boolean): { text: string; stopped: boolean; matched: string[] };
}

/** Makes one text filter per answer part and reports what it did (the content filter, on WebSocket sessions). */
export interface AnswerTextFilter {
  create(): TextPieceFilter;
  action: 'mask' | 'stop';
  matched(action: 'mask' | 'stop', rules: readonly string[]): void;
}

/** Changes a response body on its way out (a stream filter, a format adapter). */
export type BodyTransform = (source: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

/**
 * Called once when the request settles: its body was relayed to the end, failed, or the client
 * left, or there was no body. `usage` is the upstream's report or, for a cut stream, a local
 * estimate; `failure` is set when the answer did not complete.
 */
export type SettleListener = (
  usage: Usage | undefined,
  failure: GatewayError | undefined,
  status: number,
) => void;

/** Per-request state shared by the policies. One object, allocated once per request. */
/** See `GatewayContext.pin`: set by the conversations feature, read by key selection. */
export interface UpstreamPin {
  upstream: string;
  key: string | undefined;
  body: JsonObject;
  /** Set when the upstream no longer held the state and was sent the replayed history instead. */
  replayed?: boolean;
}

export interface GatewayContext {
  readonly request: GatewayRequest;
  readonly requestId: string;
  /**
   * The route the pipeline treats the request as. A format ingress (`POST /v1/messages`) replaces
   * it with the route it is served as (`chat.completions`) once the body is converted.
   */
  route: Route;
  /** `performance.now()` when the gateway started on this request. */
  readonly startedAt: number;
  readonly signal: AbortSignal;
  /** `signal.aborted`, read without creating the signal where the bridge allows it. */
  readonly aborted: boolean;
  /**
   * `request.onClientGone` while `signal` is the request's own. A copy of the context with
   * another signal (a hedged leg) must set this to undefined, so the forwarder listens on that
   * signal instead.
   */
  onClientGone: ((listener: () => void) => void) | undefined;
  /** The parsed JSON body (POST routes); policies may change it and then set `bodyChanged`. */
  body: JsonObject | undefined;
  /** When true the forwarder serialises `body` again; otherwise the client's bytes go upstream as-is. */
  bodyChanged: boolean;
  /** `body.stream === true`: the client expects server-sent events. */
  stream: boolean;
  model: string | undefined;
  client: ClientIdentity | undefined;
  /**
   * The path below the upstream's API base to send to, when it is not the client's
   * (`/messages` for an Anthropic upstream, `/chat/completions` for the Anthropic ingress).
   */
  upstreamPath: string | undefined;
  /**
   * Renders the gateway's own errors for this client when it expects another error shape
   * (Anthropic's, a response envelope); undefined: the OpenAI shape.
   */
  renderError: ErrorRenderer | undefined;
  /** The upstream chosen by routing; the forwarder sends to it. */
  upstream: Upstream | undefined;
  /**
   * The upstream that holds this request's state (a stored Responses API response), the key
   * that created it and the body that upstream takes; any other upstream gets `body`.
   */
  pin: UpstreamPin | undefined;
  /** Milliseconds spent waiting on upstreams (excluded from Server-Timing). */
  upstreamWaitMs: number;
  /** Headers the policies want on the client response (`x-ferry-*`, rate-limit fields, ...). */
  responseHeaders: Record<string, string>;
  /**
   * Headers for the next upstream attempt on top of the forwarded ones (the attempt's trace
   * context); set by the innermost policies, per attempt.
   */
  upstreamHeaders: Record<string, string> | undefined;
  /** @internal The OpenTelemetry feature's per-request state (its span), when it is on. */
  telemetry: object | undefined;
  /** Observers of the upstream's response body, run by the relay loop. */
  taps: ResponseTap[];
  /** Rewrites of the response body on its way to the client, applied in order after the taps. */
  transforms: BodyTransform[];
  usage: Usage | undefined;
  /**
   * The prompt's token count and the body it was counted for, counted once and shared by
   * fit-context, the token limit and the estimate of a cut stream (a changed body is recounted).
   */
  promptTokens: { body: JsonObject; tokens: number } | undefined;
  /** The typed facts of this request: its log line, headers and metrics are read from it. */
  record: RequestRecord;
  /**
   * The exact-answer key (hex SHA-256 of scope, upstream, endpoint and canonical body), computed
   * once by the first of the cache and coalescing features that needs it; `null` when the
   * request has none (not a cacheable endpoint, a body that cannot be canonicalised).
   */
  answerKey: string | null | undefined;
  /**
   * Runs `listener` once when the request settles, whatever the path (upstream answer,
   * synthesised answer, error) and however it ended. The one place to release or settle
   * what a policy reserved.
   */
  onSettle(listener: SettleListener): void;
}

/** A step of the pipeline: given the rest of the pipeline, answer the request. */
export type Handler = (context: GatewayContext) => Promise<GatewayResponse>;

/**
 * A policy wraps the rest of the pipeline, like an undici interceptor. It may call `next`
 * zero times (reject), once (most), or several times (retry, fallback).
 *
 * @example
 * const addHeader: Policy = (next) => async (context) => {
 *   const response = await next(context);
 *   response.headers['x-powered-by'] = 'ferry';
 *   return response;
 * };
 */
export type Policy = (next: Handler) => Handler;
