import type { GatewayEventMap, GatewayEvents } from '../events/gateway-events.js';
import { LatencyWindow } from '../events/latency-window.js';
import { RollingWindow } from '../events/rolling-window.js';
import type { GatewayContext, Usage } from '../types.js';
import type { ResolvedStatusPageOptions } from './status-options.js';

/** What `GET /v1/ferry/status.json` answers. */
export interface StatusSnapshot {
  object: 'ferry.status';
  at: string;
  windowMs: number;
  slotMs: number;
  /** Over the last complete slot. */
  now: {
    requestsPerSecond: number;
    errorsPerSecond: number;
    inFlight: number;
    latencyMs: Percentiles;
    firstByteMs: Percentiles;
  };
  /** One point per slot, oldest first (null: no sample in that slot). */
  series: {
    requestsPerSecond: number[];
    errorsPerSecond: number[];
    latencyP50Ms: Array<number | null>;
    latencyP99Ms: Array<number | null>;
    firstByteP99Ms: Array<number | null>;
  };
  /** Attempts and failures are over the whole window. */
  upstreams: UpstreamStatus[];
  alerts: Array<{ incidentId: string; condition: string; title: string; severity: string; since: string }>;
  spendToday: { day: string; tenants: Array<{ tenant: string; requests: number; usd: number }> };
}

interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

interface UpstreamStatus {
  name: string;
  breaker: 'closed' | 'open' | 'half-open';
  attempts: number;
  failures: number;
  coolingKeys: Array<{ key: string; coolsForMs: number }>;
  pacingQueue: number | null;
  rateLimit: { remaining: number; limit: number } | null;
}

// Requests, 5xx answers.
const REQUESTS = 0;
const ERRORS = 1;
// Per upstream: attempts, failed attempts.
const ATTEMPTS = 0;
const FAILURES = 1;
const dayMs = 86_400_000;

/**
 * The status page's live data, kept from the gateway's events: O(1) per event (slot adds, one
 * map lookup), read only when someone opens the page.
 *
 * @example
 * const board = new StatusBoard(options.statusPage, upstreamNames, costOf, tenantHeader);
 * board.subscribe(gateway.events);
 * board.snapshot(Date.now());
 */
export class StatusBoard {
  readonly #settings: ResolvedStatusPageOptions;
  readonly #requests: RollingWindow;
  readonly #latency: LatencyWindow;
  readonly #firstByte: LatencyWindow;
  readonly #upstreams = new Map<
    string,
    {
      window: RollingWindow;
      breaker: UpstreamStatus['breaker'];
      cooling: Map<string, number>;
      queue: number | null;
      rateLimit: UpstreamStatus['rateLimit'];
    }
  >();
  readonly #alerts = new Map<string, StatusSnapshot['alerts'][number]>();
  readonly #costOf: (model: string | undefined, usage: Usage) => { usd: number };
  readonly #tenantHeader: string;
  #inFlight = 0;
  #day = Math.floor(Date.now() / dayMs);
  #spend = new Map<string, { requests: number; usd: number }>();

  constructor(
    settings: ResolvedStatusPageOptions,
    upstreams: readonly string[],
    costOf: (model: string | undefined, usage: Usage) => { usd: number },
    tenantHeader: string,
  ) {
    this.#settings = settings;
    const window = { windowMs: settings.windowMs, slotMs: settings.slotMs };
    this.#requests = new RollingWindow({ ...window, fields: 2 });
    this.#latency = new LatencyWindow(window);
    this.#firstByte = new LatencyWindow(window);
    for (const name of upstreams) {
      this.#upstreams.set(name, {
        window: new RollingWindow({ ...window, fields: 2 }),
        breaker: 'closed',
        cooling: new Map(),
        queue: null,
        rateLimit: null,
      });
    }
    this.#costOf = costOf;
    this.#tenantHeader = tenantHeader;
  }

  subscribe(events: GatewayEvents): Array<() => void> {
    return [
      events.on('request:start', ({ context }) => {
        if (context.route.name !== 'unknown') this.#inFlight++;
      }),
      events.on('request:end', (event) => this.#ended(event)),
      events.on('attempt', (event) => this.#attempt(event)),
      events.on('breaker', ({ upstream, state }) => {
        const known = this.#upstreams.get(upstream);
        if (known !== undefined) known.breaker = state;
      }),
      events.on('key:cooling', ({ upstream, key, cooldownMs }) => {
        this.#upstreams.get(upstream)?.cooling.set(key, Date.now() + cooldownMs);
      }),
      events.on('quota', ({ upstream, queueLength, remaining, limit }) => {
        const known = this.#upstreams.get(upstream);
        if (known === undefined) return;
        known.queue = queueLength;
        if (remaining !== undefined && limit !== undefined) known.rateLimit = { remaining, limit };
      }),
      events.on('alert', (event) => this.#alert(event)),
    ];
  }

  #ended({ context, status, usage, durationMs }: GatewayEventMap['request:end']): void {
    // Ferry's own endpoints (this page's polling among them) and unknown paths are not traffic.
    if (context.route.name === 'unknown') return;
    this.#inFlight--;
    const now = Date.now();
    this.#requests.add(now, REQUESTS);
    if (status >= 500) this.#requests.add(now, ERRORS);
    this.#latency.record(now, durationMs);
    if (usage !== undefined && status < 400) this.#spent(now, context, usage);
  }

  #attempt({ upstream, status, error, durationMs }: GatewayEventMap['attempt']): void {
    const now = Date.now();
    const known = this.#upstreams.get(upstream);
    if (known !== undefined) {
      known.window.add(now, ATTEMPTS);
      if (error !== undefined || (status !== undefined && status >= 500)) known.window.add(now, FAILURES);
    }
    if (error === undefined && status !== undefined) this.#firstByte.record(now, durationMs);
  }

  #spent(now: number, context: GatewayContext, usage: Usage): void {
    const day = Math.floor(now / dayMs);
    if (day !== this.#day) {
      this.#day = day;
      this.#spend = new Map();
    }
    const header = context.request.headers[this.#tenantHeader];
    let tenant = (
      context.client?.tenant ?? (typeof header === 'string' && header !== '' ? header : '(none)')
    ).slice(0, 128);
    if (!this.#spend.has(tenant) && this.#spend.size >= this.#settings.maxTenants) tenant = '(other)';
    let entry = this.#spend.get(tenant);
    if (entry === undefined) {
      entry = { requests: 0, usd: 0 };
      this.#spend.set(tenant, entry);
    }
    entry.requests++;
    entry.usd += this.#costOf(context.model, usage).usd;
  }

  #alert({ incidentId, condition, state, severity, title }: GatewayEventMap['alert']): void {
    if (state === 'resolved') this.#alerts.delete(incidentId);
    else if (!this.#alerts.has(incidentId))
      this.#alerts.set(incidentId, {
        incidentId,
        condition,
        title,
        severity,
        since: new Date().toISOString(),
      });
  }

  snapshot(now: number): StatusSnapshot {
    const { slotMs, windowMs } = this.#settings;
    const perSecond = (count: number) => Math.round((count / slotMs) * 1_000 * 100) / 100;
    // Rates are read from the last complete slot: the current one is still filling.
    const lastOnly = (values: number[]) => values[values.length - 2] ?? 0;
    const percentiles = (window: LatencyWindow): Percentiles => ({
      p50: window.percentile(now, 0.5) ?? null,
      p95: window.percentile(now, 0.95) ?? null,
      p99: window.percentile(now, 0.99) ?? null,
    });
    const requests = this.#requests.series(now, REQUESTS).map(perSecond);
    const errors = this.#requests.series(now, ERRORS).map(perSecond);
    const upstreams: UpstreamStatus[] = [];
    for (const [name, known] of this.#upstreams) {
      const coolingKeys: UpstreamStatus['coolingKeys'] = [];
      for (const [key, until] of known.cooling) {
        if (until <= now) known.cooling.delete(key);
        else coolingKeys.push({ key, coolsForMs: until - now });
      }
      upstreams.push({
        name,
        breaker: known.breaker,
        attempts: known.window.sum(now, ATTEMPTS),
        failures: known.window.sum(now, FAILURES),
        coolingKeys,
        pacingQueue: known.queue,
        rateLimit: known.rateLimit,
      });
    }
    const tenants = [...this.#spend]
      .map(([tenant, { requests: count, usd }]) => ({
        tenant,
        requests: count,
        usd: Math.round(usd * 1e6) / 1e6,
      }))
      .sort((a, b) => b.usd - a.usd || b.requests - a.requests);
    return {
      object: 'ferry.status',
      at: new Date(now).toISOString(),
      windowMs,
      slotMs,
      now: {
        requestsPerSecond: lastOnly(requests),
        errorsPerSecond: lastOnly(errors),
        inFlight: Math.max(0, this.#inFlight),
        latencyMs: percentiles(this.#latency),
        firstByteMs: percentiles(this.#firstByte),
      },
      series: {
        requestsPerSecond: requests,
        errorsPerSecond: errors,
        latencyP50Ms: this.#latency.series(now, 0.5),
        latencyP99Ms: this.#latency.series(now, 0.99),
        firstByteP99Ms: this.#firstByte.series(now, 0.99),
      },
      upstreams,
      alerts: [...this.#alerts.values()],
      spendToday: { day: new Date(this.#day * dayMs).toISOString().slice(0, 10), tenants },
    };
  }
}
