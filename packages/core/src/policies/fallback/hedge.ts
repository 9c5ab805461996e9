import { type GatewayError, toGatewayError } from '../../errors.js';
import { legContext } from '../../request-context.js';
import type { GatewayContext, GatewayResponse, Handler, Upstream } from '../../types.js';
import { attemptDiscarded, destroyBody, isFailureStatus } from '../resilience/attempt.js';

/** Points a context at an upstream (and maps the model for it). */
export type PrepareAttempt = (context: GatewayContext, upstream: Upstream) => void;

/** What a hedged pair came to: a winner, or both failures in the order they happened. */
export type HedgeOutcome =
  | { won: true; upstream: Upstream; response: GatewayResponse; failures: HedgeFailure[] }
  | { won: false; failures: HedgeFailure[] };

export interface HedgeFailure {
  upstream: Upstream;
  response?: GatewayResponse | undefined;
  error?: GatewayError | undefined;
}

interface Leg {
  upstream: Upstream;
  context: GatewayContext;
  controller: AbortController;
}

type LegResult =
  | { kind: 'byte'; response: GatewayResponse; iterator?: AsyncIterator<Uint8Array>; first?: Uint8Array }
  | { kind: 'failed'; response?: GatewayResponse; error?: GatewayError };

/**
 * Stream hedging: sends to `first`; when no byte has arrived after `delayMs` (or `first`
 * failed), sends to `second` in parallel. The first leg to deliver a body byte wins; the
 * other is aborted (its upstream sees the connection close). Each leg has its own context
 * (signal, taps, headers), so a loser's taps never see the winner's body.
 *
 * @example
 * const outcome = await hedge(context, next, primary, secondary, 2_000, prepare);
 */
export function hedge(
  context: GatewayContext,
  next: Handler,
  first: Upstream,
  second: Upstream,
  delayMs: number,
  prepare: PrepareAttempt,
): Promise<HedgeOutcome> {
  return new Promise((resolve) => {
    const legs: Leg[] = [];
    const failures: HedgeFailure[] = [];
    let settled = false;
    let running = 0;
    let timer: NodeJS.Timeout | undefined;

    const start = (upstream: Upstream) => {
      const controller = new AbortController();
      const leg: Leg = {
        upstream,
        controller,
        context: legContext(context, AbortSignal.any([context.signal, controller.signal])),
      };
      prepare(leg.context, upstream);
      legs.push(leg);
      running++;
      run(leg, next).then((result) => finish(leg, result));
    };

    const startSecond = () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      if (!context.aborted) start(second);
    };

    const finish = (leg: Leg, result: LegResult) => {
      running--;
      if (result.kind === 'failed') {
        // The failure's body may still be passed through as the final answer: keep it open.
        endTaps(leg);
        if (settled) {
          destroyBody(result.response?.body);
          return;
        }
        failures.push({ upstream: leg.upstream, response: result.response, error: result.error });
        if (timer !== undefined) startSecond();
        else if (running === 0) {
          settled = true;
          resolve({ won: false, failures });
        }
        return;
      }
      if (settled) {
        release(leg, result.response);
        return;
      }
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const other of legs) if (other !== leg) other.controller.abort(attemptDiscarded);
      for (const failure of failures) destroyBody(failure.response?.body);
      adopt(context, leg);
      const response = result.response;
      if (result.iterator !== undefined && result.first !== undefined) {
        response.body = resume(result.first, result.iterator);
      }
      resolve({ won: true, upstream: leg.upstream, response, failures });
    };

    timer = setTimeout(startSecond, delayMs);
    start(first);
  });
}

async function run(leg: Leg, next: Handler): Promise<LegResult> {
  let response: GatewayResponse | undefined;
  try {
    response = await next(leg.context);
    if (isFailureStatus(response.status)) return { kind: 'failed', response };
    const body = response.body;
    if (body === undefined || body instanceof Uint8Array) return { kind: 'byte', response };
    const iterator = body[Symbol.asyncIterator]();
    const step = await iterator.next();
    if (step.done === true) return { kind: 'byte', response: { ...response, body: new Uint8Array(0) } };
    return { kind: 'byte', response, iterator, first: step.value };
  } catch (error) {
    if (response !== undefined) destroyBody(response.body);
    return { kind: 'failed', error: toGatewayError(error) };
  }
}

/** A leg that lost (or failed after the race was decided): free its connection and end its taps. */
function release(leg: Leg, response: GatewayResponse | undefined) {
  leg.controller.abort(attemptDiscarded);
  if (response !== undefined) destroyBody(response.body);
  endTaps(leg);
}

function endTaps(leg: Leg) {
  for (const tap of leg.context.taps) tap.end?.(attemptDiscarded);
  leg.context.taps.length = 0;
}

/** The winning leg's state becomes the request's. */
function adopt(context: GatewayContext, leg: Leg) {
  const won = leg.context;
  context.upstream = won.upstream;
  context.body = won.body;
  context.bodyChanged = won.bodyChanged;
  context.upstreamWaitMs += won.upstreamWaitMs;
  for (const tap of won.taps) context.taps.push(tap);
  Object.assign(context.responseHeaders, won.responseHeaders);
  context.record.adopt(won.record);
}

async function* resume(
  first: Uint8Array,
  iterator: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  let done = false;
  try {
    yield first;
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
