/** Why an upstream was passed over by the fallback chain: a status, or an error code. */
export interface FallbackStep {
  upstream: string;
  reason: string;
}

/** What a WebSocket session did, for its log line. */
export interface WebSocketFacts {
  framesFromClient: number;
  framesFromUpstream: number;
  /** Client frames not sent on (a model the key may not use). */
  refusedFrames: number;
  /** Responses the upstream finished (`response.done`). */
  responses: number;
  /** The most bytes queued towards the client at once (bounded by backpressure). */
  maxQueuedToClient: number;
  /** How often reading the upstream was paused because the client was slow. */
  upstreamPauses: number;
  /** The close code each side sent or saw; undefined for the side that did not close first. */
  clientClose: number | undefined;
  upstreamClose: number | undefined;
}

/**
 * The typed facts of one request, written by the policies as they decide and read by the one
 * log line, the `x-ferry-*` headers and the metrics when the request settles. It replaces a free
 * `Record<string, unknown>`: every field is declared here, so a typo is a compile error, and the
 * instance keeps one V8 shape (every field initialised in the constructor order below).
 * Keys, signatures and prompts never go here.
 */
export class RequestRecord {
  /** The client id, or the key id when the key belongs to no configured client. */
  client: string | undefined = undefined;
  /** The key id, when `client` is a configured client's id. */
  keyId: string | undefined = undefined;
  signed: boolean | undefined = undefined;
  /** Why a signature was refused. */
  signature: string | undefined = undefined;
  model: string | undefined = undefined;
  stream: boolean | undefined = undefined;
  /** The upstream that served (`<upstream>/<deployment>` for a deployment), or `degraded`. */
  upstream: string | undefined = undefined;
  /** The model name an upstream's model map sent instead of the requested one. */
  upstreamModel: string | undefined = undefined;
  upstreamStatus: number | undefined = undefined;
  upstreamKey: string | undefined = undefined;
  deployment: string | undefined = undefined;
  deploymentDown: string | undefined = undefined;
  keyCooled: string | undefined = undefined;
  /** Upstreams the fallback chain passed, in order, with why. */
  fallbacks: FallbackStep[] | undefined = undefined;
  /** True when the request was answered by the fallback chain (not its first upstream). */
  fellBack = false;
  degraded = false;
  breaker: 'open' | undefined = undefined;
  attempts: number | undefined = undefined;
  retryWaitMs: number | undefined = undefined;
  retryStop: string | undefined = undefined;
  contentFilter: string | undefined = undefined;
  contentRules: string[] | undefined = undefined;
  reservedTokens: number | undefined = undefined;
  settledTokens: number | undefined = undefined;
  rateLimitStore: string | undefined = undefined;
  budget: 'soft-limit' | undefined = undefined;
  budgetStore: 'unavailable' | undefined = undefined;
  summaryError: string | undefined = undefined;
  /** The API the client spoke when it was not OpenAI's (`anthropic` for `/v1/messages`). */
  ingress: string | undefined = undefined;
  /** The response envelope that mapped the answer (`responseEnvelopes[].name`). */
  envelope: string | undefined = undefined;
  /** What the stream conversion did (`aggregated`: a stream upstream answered as JSON; `streamed`: JSON answered as a stream). */
  streamConversion: string | undefined = undefined;
  /** What the answer cost by the price table (budgets on), in USD; the metrics sum it. */
  spendUsd: number | undefined = undefined;
  /** What fit-context did (`trimmed 3 messages`, `summarized`), as its response header says. */
  context: string | undefined = undefined;
  /** A WebSocket session's frames and how each side closed (set when the session ended). */
  websocket: WebSocketFacts | undefined = undefined;
  /** `realtime` when a Chat Completions request was served through a Realtime session upstream. */
  upstreamTransport: 'realtime' | undefined = undefined;
  /** The exact cache: `hit`, `miss` or `bypass` (the `x-ferry-cache` response header). */
  cache: 'hit' | 'miss' | 'bypass' | undefined = undefined;
  /** Coalescing: `leader` (made the upstream call) or `joined` (shared another caller's). */
  coalesced: 'leader' | 'joined' | undefined = undefined;
  /** Tokens of the upstream answer a hit or a joined call did not pay for. */
  savedTokens: number | undefined = undefined;

  /** The `x-ferry-fallback` header value: `name:reason, name:reason`. */
  fallbackHeader(): string | undefined {
    const steps = this.fallbacks;
    if (steps === undefined || steps.length === 0) return undefined;
    let header = '';
    for (let index = 0; index < steps.length; index++) {
      const step = steps[index] as FallbackStep;
      header += `${index === 0 ? '' : ', '}${step.upstream}:${step.reason}`;
    }
    return header;
  }

  /** Copies what another record learned (a hedged leg that won) into this one. */
  adopt(other: RequestRecord): void {
    for (const field of recordFields) {
      const value = other[field];
      if (value !== undefined && value !== false) (this as Record<string, unknown>)[field] = value;
    }
  }

  /** The fields of the request's log line: only the ones that were set, in declaration order. */
  logFields(fields: Record<string, unknown>): Record<string, unknown> {
    for (const field of recordFields) {
      const value = this[field];
      if (value === undefined || value === false || field === 'fellBack') continue;
      fields[field === 'fallbacks' ? 'fallback' : field] =
        field === 'fallbacks' ? this.fallbackHeader() : value;
    }
    return fields;
  }
}

const recordFields = Object.keys(new RequestRecord()) as Array<keyof RequestRecord & string>;
