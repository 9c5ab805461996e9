import { GatewayError, toGatewayError } from '../../errors.js';
import type { GatewayEvents } from '../../events/gateway-events.js';
import type { FallbackStep } from '../../events/request-record.js';
import type { GatewayContext, GatewayResponse, JsonObject, Policy, Upstream } from '../../types.js';
import { clientClosedRequest } from '../../upstream/upstream-failure.js';
import { destroyBody, discardResponse, isFailureStatus, isUpstreamSideError } from '../resilience/attempt.js';
import { retryAfterMs, retryAfterSeconds } from '../retry/retry-after.js';
import { degradedAnswer, degradedRoutes } from './degraded-answer.js';
import { hedge } from './hedge.js';

/** The `fallback` options with defaults filled in, chains already turned into upstreams. */
export interface FallbackPlan {
  /** The chain when neither the model nor the route has its own. */
  chain: readonly Upstream[];
  models: ReadonlyMap<string, readonly Upstream[]>;
  routes: ReadonlyMap<string, readonly Upstream[]>;
  /** Model-name map per upstream name (`'*'` matches any model). */
  modelMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
  hedgeAfterMs?: number | undefined;
  degraded?: { content: string; model?: string | undefined } | undefined;
}

/** What the request looked like before an upstream's model map changed it. */
interface Original {
  body: JsonObject | undefined;
  bodyChanged: boolean;
  model: string | undefined;
}

/**
 * The route stage: walks the fallback chain (primary → other upstreams with their model map →
 * a local model server → the degraded answer) until one serves. Moves on after an upstream
 * failure (connect errors, timeouts, 5xx, 429, an open circuit), never after a client error.
 * The response names the upstream (`x-ferry-upstream`) and why earlier ones were passed
 * (`x-ferry-fallback`). Every final failure gets `x-should-retry: false` (Ferry already
 * retried; SDK retries would multiply the load) and an integer `Retry-After` when known.
 *
 * @example
 * fallbackChain({ chain: [openai, azure, ollama], models: new Map(), routes: new Map(), modelMaps, degraded });
 */
export function fallbackChain(plan: FallbackPlan, events: GatewayEvents): Policy {
  const prepare = (context: GatewayContext, upstream: Upstream, original: Original) => {
    context.upstream = upstream;
    const mapped = mappedModel(plan.modelMaps.get(upstream.name), original.model);
    if (mapped !== undefined && original.body !== undefined && mapped !== original.model) {
      context.body = { ...original.body, model: mapped };
      context.bodyChanged = true;
      context.record.upstreamModel = mapped;
    } else {
      context.body = original.body;
      context.bodyChanged = original.bodyChanged;
    }
  };

  return (next) => async (context) => {
    const chain = chainFor(plan, context);
    const original: Original = { body: context.body, bodyChanged: context.bodyChanged, model: context.model };
    const reasons: FallbackStep[] = [];
    const canDegrade = plan.degraded !== undefined && degradedRoutes.has(context.route.name);
    let finalResponse: GatewayResponse | undefined;
    let finalError: GatewayError | undefined;
    const keep = (response: GatewayResponse | undefined, error: GatewayError | undefined) => {
      if (finalResponse !== undefined) destroyBody(finalResponse.body);
      finalResponse = response;
      finalError = error;
    };

    for (let index = 0; index < chain.length; index++) {
      const upstream = chain[index] as Upstream;
      const partner = chain[index + 1];
      if (plan.hedgeAfterMs !== undefined && context.stream && partner !== undefined) {
        const outcome = await hedge(context, next, upstream, partner, plan.hedgeAfterMs, (leg, target) =>
          prepare(leg, target, original),
        );
        for (const failure of outcome.failures) {
          reasons.push(passed(events, context, failure.upstream, failure.response, failure.error));
          if (!outcome.won) keep(failure.response, failure.error);
        }
        if (context.aborted) throw clientClosedRequest();
        if (outcome.won) return served(context, outcome.upstream, outcome.response, reasons);
        if (finalError !== undefined && !isUpstreamSideError(finalError)) throw finalError;
        index++;
        continue;
      }
      prepare(context, upstream, original);
      const tapMark = context.taps.length;
      let response: GatewayResponse | undefined;
      try {
        response = await next(context);
      } catch (error) {
        if (context.aborted) throw clientClosedRequest();
        const failure = toGatewayError(error);
        if (!isUpstreamSideError(failure)) throw failure;
        reasons.push(passed(events, context, upstream, undefined, failure));
        keep(undefined, failure);
        continue;
      }
      if (!isFailureStatus(response.status)) return served(context, upstream, response, reasons);
      reasons.push(passed(events, context, upstream, response, undefined));
      if (index === chain.length - 1 && !canDegrade) {
        keep(response, undefined);
        break;
      }
      discardResponse(context, response, tapMark);
    }

    context.body = original.body;
    context.bodyChanged = original.bodyChanged;
    if (canDegrade && plan.degraded !== undefined) {
      destroyBody(finalResponse?.body);
      context.record.degraded = true;
      context.record.fellBack = true;
      return served(context, undefined, degradedAnswer(context, plan.degraded), reasons);
    }
    markFinalFailure(context, reasons, finalResponse, finalError);
    if (finalResponse !== undefined) return finalResponse;
    throw finalError ?? new GatewayError('no_upstream', 'No upstream is available for this request.');
  };
}

function served(
  context: GatewayContext,
  upstream: Upstream | undefined,
  response: GatewayResponse,
  reasons: readonly FallbackStep[],
): GatewayResponse {
  // A deployment of this upstream (spread-keys) names itself `<upstream>/<deployment>`.
  const deployment = context.record.deployment;
  const name =
    upstream === undefined
      ? 'degraded'
      : typeof deployment === 'string' && deployment.startsWith(`${upstream.name}/`)
        ? deployment
        : upstream.name;
  context.responseHeaders['x-ferry-upstream'] = name;
  context.record.upstream = name;
  if (reasons.length > 0) {
    context.record.fellBack = true;
    context.responseHeaders['x-ferry-fallback'] = context.record.fallbackHeader() as string;
  }
  if (isFailureStatus(response.status)) markFinalFailure(context, reasons, response, undefined);
  return response;
}

/** `x-should-retry: false` and an integer `Retry-After` (when one is known) on a final failure. */
function markFinalFailure(
  context: GatewayContext,
  reasons: readonly FallbackStep[],
  response: GatewayResponse | undefined,
  error: GatewayError | undefined,
) {
  const headers = context.responseHeaders;
  headers['x-should-retry'] = 'false';
  if (reasons.length > 0) headers['x-ferry-fallback'] = context.record.fallbackHeader() as string;
  const source = response?.headers ?? error?.headers;
  const wait = source === undefined ? undefined : retryAfterMs(source);
  if (wait !== undefined) headers['retry-after'] = retryAfterSeconds(wait);
  if (response !== undefined) delete response.headers['retry-after-ms'];
}

/** Records (and announces) that the chain passed `upstream`, and why. */
function passed(
  events: GatewayEvents,
  context: GatewayContext,
  upstream: Upstream,
  response: GatewayResponse | undefined,
  error: GatewayError | undefined,
): FallbackStep {
  const step = {
    upstream: upstream.name,
    reason: response !== undefined ? String(response.status) : (error?.code ?? 'failed'),
  };
  const record = context.record;
  if (record.fallbacks === undefined) record.fallbacks = [step];
  else record.fallbacks.push(step);
  if (events.wants('fallback'))
    events.emit('fallback', { context, from: step.upstream, reason: step.reason });
  return step;
}

function mappedModel(map: Readonly<Record<string, string>> | undefined, model: string | undefined) {
  if (map === undefined || model === undefined) return undefined;
  return map[model] ?? map['*'];
}

function chainFor(plan: FallbackPlan, context: GatewayContext): readonly Upstream[] {
  const chain =
    (context.model === undefined ? undefined : plan.models.get(context.model)) ??
    plan.routes.get(context.route.name) ??
    plan.chain;
  // An earlier policy (a router) may have chosen the upstream: it goes first.
  const chosen = context.upstream;
  if (chosen === undefined || chain[0] === chosen) return chain;
  return [chosen, ...chain.filter((upstream) => upstream !== chosen)];
}
