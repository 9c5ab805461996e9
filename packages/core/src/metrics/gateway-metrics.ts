import { type Counter, collectDefaultMetrics, type Histogram, Registry } from 'prom-client';
import type { GatewayEventMap } from '../events/gateway-events.js';
import type { FallbackStep } from '../events/request-record.js';
import { RateLimitExceededError } from '../policies/rate-limit/rate-limit-error.js';
import { knownRoutes, type Route } from '../routes.js';
import type { GatewayContext } from '../types.js';
import { boundedLabel } from './bounded-label.js';
import { DeferredCount } from './deferred-count.js';
import { createMetricSet, type MetricSet } from './metric-set.js';
import { defaultBuckets, type ResolvedMetricsOptions } from './metrics-options.js';

/**
 * A gateway's metrics, for a host app that serves its own `/metrics`.
 *
 * @example
 * app.get('/metrics', async (_request, response) => {
 *   response.type(gateway.metrics.contentType).send(await gateway.metrics.render());
 * });
 */
export interface GatewayMetrics {
  /** The gateway's own prom-client registry (never the global one). */
  readonly registry: Registry;
  /** The exposition's `Content-Type`. */
  readonly contentType: string;
  /** The text exposition of every metric. */
  render(): Promise<string>;
}

/** The recording calls, one per gateway event the metrics derive from (metrics-feature.ts subscribes them). */
export interface MetricsRecorder {
  readonly exposed: GatewayMetrics;
  /** A request entered `handle`. */
  started(): void;
  /** The request settled: its body ended, failed, or there was none. */
  ended(event: GatewayEventMap['request:end']): void;
  /** An attempt's response headers arrived (time to first byte). */
  attempted(event: GatewayEventMap['attempt']): void;
  /** The retry policy is about to send again. */
  retried(event: GatewayEventMap['retry']): void;
  /** A circuit changed state; the gauge is computed from these at scrape time. */
  breakerChanged(event: GatewayEventMap['breaker']): void;
  /** A shared store degraded or recovered. */
  storeChanged(event: GatewayEventMap['store']): void;
  /** The content filter acted. */
  filtered(event: GatewayEventMap['filter']): void;
  /** A pool key cooled down after a 429. */
  keyCooled(event: GatewayEventMap['key:cooling']): void;
  /** Pacing's view of an upstream's quota after an answer. */
  quotaSeen(event: GatewayEventMap['quota']): void;
  /** A budget was passed. */
  budgetCrossed(event: GatewayEventMap['budget']): void;
}

/** What the metrics need to know about the gateway's configuration. */
export interface MetricsSetup {
  upstreamNames: readonly string[];
  /** Model names from the options: always labelled as themselves. */
  modelNames: Iterable<string>;
  /** SHA-256 digests (hex) of the configured keys: never a label value, even when a caller sends one as `model`. */
  secrets: ReadonlySet<string>;
}

/** One route (and method) with one upstream: its pre-resolved children. */
interface Series {
  route: string;
  method: string;
  upstream: string;
  duration: Histogram.Internal<'route' | 'upstream'>;
  byStatus: Map<number, DeferredCount>;
}

const httpMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const breakerValue = { closed: 0, 'half-open': 0.5, open: 1 } as const;
const maximumCodes = 100;

/**
 * Creates the registry, the metrics and the recording calls of one gateway. Children whose
 * labels are known at construction (route × upstream, upstream, limit) are resolved here;
 * the rest are resolved once per new label value and cached, so a request allocates nothing
 * for its labels.
 *
 * @example
 * const metrics = createGatewayMetrics(options.metrics, { upstreamNames: ['openai'], modelNames: [], secrets });
 */
export function createGatewayMetrics(settings: ResolvedMetricsOptions, setup: MetricsSetup): MetricsRecorder {
  const registry = new Registry();
  const upstreamNames = new Set(setup.upstreamNames);
  if (settings.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: settings.prefix });
  // Circuit name → state value, kept from the breaker events; the gauge takes the worst per upstream.
  const circuits = new Map<string, { upstream: string; value: number }>();
  // The per-request counters, handed to prom-client when it collects.
  const requestCounts: DeferredCount[] = [];
  const tokenCounts: DeferredCount[] = [];
  const flush = (counts: readonly DeferredCount[]) => {
    for (const count of counts) count.flush();
  };
  const set: MetricSet = createMetricSet(
    registry,
    settings.prefix,
    {
      requestDurationSeconds:
        settings.buckets.requestDurationSeconds ?? defaultBuckets.requestDurationSeconds,
      overheadSeconds: settings.buckets.overheadSeconds ?? defaultBuckets.overheadSeconds,
      firstByteSeconds: settings.buckets.firstByteSeconds ?? defaultBuckets.firstByteSeconds,
    },
    {
      requests: () => flush(requestCounts),
      tokens: () => flush(tokenCounts),
      // Read at scrape time: state changes cost nothing on the request path.
      breakerState: () => {
        const worst = new Map<string, number>();
        for (const { upstream, value } of circuits.values()) {
          worst.set(upstream, Math.max(worst.get(upstream) ?? 0, value));
        }
        for (const upstream of upstreamNames) set.breakerState.labels(upstream).set(worst.get(upstream) ?? 0);
      },
    },
  );

  const upstreamLabel = (name: string | undefined) =>
    name === undefined ? 'none' : upstreamNames.has(name) ? name : 'other';
  const modelLabel = boundedLabel(setup.modelNames, settings.maxModels, setup.secrets);
  const codeLabel = boundedLabel([], maximumCodes);

  const perUpstream = <T>(make: (upstream: string) => T) => {
    const children = new Map<string, T>();
    for (const name of [...upstreamNames, 'none', 'other', 'degraded']) children.set(name, make(name));
    return (name: string) => children.get(name) as T;
  };
  const firstByteOf = perUpstream((upstream) => set.firstByte.labels(upstream));
  const retriesOf = perUpstream((upstream) => set.retries.labels(upstream));
  const rateLimitedOf = new Map(
    (['requests', 'tokens', 'concurrency'] as const).map((limit) => [limit, set.rateLimited.labels(limit)]),
  );
  const cacheOf = new Map(
    (['hit', 'miss', 'bypass'] as const).map((result) => [result, set.cache.labels(result)]),
  );
  const coalescedOf = new Map(
    (['leader', 'joined'] as const).map((role) => [role, set.coalesced.labels(role)]),
  );
  const savedByCache = set.savedTokens.labels('cache');
  const savedByShare = set.savedTokens.labels('shared');
  const errorsOf = new Map<string, Counter.Internal>();
  const tokensOf = new Map<string, Map<string, { prompt: DeferredCount; completion: DeferredCount }>>();

  // Requests and durations, by route object (or method, for unmatched paths) then upstream.
  const seriesByRoute = new Map<Route | string, Map<string, Series>>();
  const seriesFor = (routeKey: Route | string, route: string, method: string, upstream: string) => {
    let byUpstream = seriesByRoute.get(routeKey);
    if (byUpstream === undefined) {
      byUpstream = new Map();
      seriesByRoute.set(routeKey, byUpstream);
    }
    let series = byUpstream.get(upstream);
    if (series === undefined) {
      series = {
        route,
        method,
        upstream,
        duration: set.duration.labels(route, upstream),
        byStatus: new Map(),
      };
      byUpstream.set(upstream, series);
    }
    return series;
  };
  for (const route of knownRoutes) {
    for (const upstream of upstreamNames) seriesFor(route, route.name, route.method, upstream);
  }

  const recordFallbacks = (context: GatewayContext, passed: readonly FallbackStep[]) => {
    // Served by a later upstream (or the degraded answer): every step is a move. A final
    // failure lists the last upstream too, which had nothing to fall back to.
    const moves = context.record.fellBack ? passed.length : passed.length - 1;
    for (let index = 0; index < moves; index++) {
      const step = passed[index] as FallbackStep;
      set.fallbacks.inc({ from: upstreamLabel(step.upstream), reason: codeLabel(step.reason) });
    }
  };

  const recordTokens = (context: GatewayContext, upstream: string) => {
    const usage = context.usage;
    if (usage === undefined) return;
    const model = modelLabel(context.record.upstreamModel ?? context.model);
    let byModel = tokensOf.get(upstream);
    if (byModel === undefined) {
      byModel = new Map();
      tokensOf.set(upstream, byModel);
    }
    let children = byModel.get(model);
    if (children === undefined) {
      children = {
        prompt: new DeferredCount(set.tokens.labels(upstream, model, 'prompt')),
        completion: new DeferredCount(set.tokens.labels(upstream, model, 'completion')),
      };
      tokenCounts.push(children.prompt, children.completion);
      byModel.set(model, children);
    }
    children.prompt.pending += usage.promptTokens;
    children.completion.pending += usage.completionTokens;
  };

  const quotaOf = new Map<
    string,
    { queue: { set(value: number): void }; remaining: { set(value: number): void } }
  >();
  // Resolved once per upstream and model, as the token counters are.
  const spendChildren = new Map<string, Map<string, { inc(value: number): void }>>();
  const spendOf = (upstream: string, context: GatewayContext) => {
    const model = modelLabel(context.record.upstreamModel ?? context.model);
    let byModel = spendChildren.get(upstream);
    if (byModel === undefined) {
      byModel = new Map();
      spendChildren.set(upstream, byModel);
    }
    let child = byModel.get(model);
    if (child === undefined) {
      child = set.spend.labels(upstream, model);
      byModel.set(model, child);
    }
    return child;
  };

  const exposed: GatewayMetrics = {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };

  return {
    exposed,
    started() {
      set.inFlight.inc();
    },
    ended({ context, status, error, overheadMs }) {
      set.inFlight.dec();
      set.overhead.observe(overheadMs / 1_000);
      const route = context.route;
      const matched = route.name !== 'unknown';
      const method = matched
        ? route.method
        : httpMethods.has(context.request.method)
          ? context.request.method
          : 'other';
      const upstream = context.record.degraded ? 'degraded' : upstreamLabel(context.upstream?.name);
      const series = seriesFor(matched ? route : method, route.name, method, upstream);
      let requests = series.byStatus.get(status);
      if (requests === undefined) {
        requests = new DeferredCount(
          set.requests.labels(series.route, series.method, String(status), series.upstream),
        );
        requestCounts.push(requests);
        series.byStatus.set(status, requests);
      }
      requests.pending++;
      series.duration.observe((performance.now() - context.startedAt) / 1_000);
      if (context.usage !== undefined) recordTokens(context, upstream);
      const record = context.record;
      if (record.spendUsd !== undefined && record.spendUsd > 0)
        spendOf(upstream, context).inc(record.spendUsd);
      if (record.cache !== undefined) cacheOf.get(record.cache)?.inc();
      if (record.coalesced !== undefined) coalescedOf.get(record.coalesced)?.inc();
      if (record.savedTokens !== undefined && record.savedTokens > 0)
        (record.cache === 'hit' ? savedByCache : savedByShare).inc(record.savedTokens);
      const fallbacks = context.record.fallbacks;
      if (fallbacks !== undefined) recordFallbacks(context, fallbacks);
      if (error === undefined) return;
      const code = codeLabel(error.code);
      let errors = errorsOf.get(code);
      if (errors === undefined) {
        errors = set.errors.labels(code);
        errorsOf.set(code, errors);
      }
      errors.inc();
      if (error instanceof RateLimitExceededError) rateLimitedOf.get(error.limit)?.inc();
    },
    attempted({ upstream, status, durationMs }) {
      if (status !== undefined) firstByteOf(upstreamLabel(upstream)).observe(durationMs / 1_000);
    },
    retried({ upstream }) {
      retriesOf(upstreamLabel(upstream)).inc();
    },
    breakerChanged({ circuit, state }) {
      circuits.set(circuit, {
        upstream: breakerUpstream(circuit, upstreamNames),
        value: breakerValue[state],
      });
    },
    storeChanged({ store, state }) {
      set.storeDegraded.labels(store).set(state === 'degraded' ? 1 : 0);
    },
    filtered({ action }) {
      set.filterActions.labels(action).inc();
    },
    keyCooled({ upstream }) {
      set.keyCooldowns.labels(upstreamLabel(upstream)).inc();
    },
    quotaSeen({ upstream, queueLength, remaining, limit }) {
      // After every paced answer: the children are resolved once per upstream.
      let gauges = quotaOf.get(upstream);
      if (gauges === undefined) {
        const label = upstreamLabel(upstream);
        gauges = { queue: set.upstreamQueue.labels(label), remaining: set.upstreamRemaining.labels(label) };
        quotaOf.set(upstream, gauges);
      }
      gauges.queue.set(queueLength);
      if (remaining !== undefined && limit !== undefined && limit > 0)
        gauges.remaining.set(remaining / limit);
    },
    budgetCrossed({ level, scope }) {
      set.budgetCrossings.labels(level, scope).inc();
    },
  };
}

/** A breaker is named after its upstream, or `<upstream>:<model>` with `perModel`. */
function breakerUpstream(name: string, upstreamNames: ReadonlySet<string>): string {
  if (upstreamNames.has(name)) return name;
  let best = 'other';
  for (const upstream of upstreamNames) {
    if (name.startsWith(`${upstream}:`) && (best === 'other' || upstream.length > best.length))
      best = upstream;
  }
  return best;
}
