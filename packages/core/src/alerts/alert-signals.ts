import type { GatewayEventMap, GatewayEvents } from '../events/gateway-events.js';
import { RollingWindow } from '../events/rolling-window.js';
import type { AlertSeverity } from './sinks/alert-message.js';

/** A condition that holds at evaluation time; `key` names it across instances (`breaker:openai`). */
export interface ActiveCondition {
  key: string;
  condition: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  fields: Record<string, string>;
}

/** What the signals read from the alert options (each field undefined: that condition is off). */
export interface SignalSettings {
  errorRate: { windowMs: number; minEvents: number; threshold: number } | undefined;
  latency: { windowMs: number; minEvents: number; p99Ms: number } | undefined;
  firstByte: { windowMs: number; minEvents: number; p99Ms: number } | undefined;
  fallback: { windowMs: number } | undefined;
  budget: { quietMs: number; maxSubjects: number } | undefined;
  quota: { queueDepth: number; remainingRatio: number; windowMs: number } | undefined;
  store: object | undefined;
  keyCooling: { windowMs: number } | undefined;
  contentFilter: { windowMs: number; minEvents: number; threshold: number } | undefined;
  breaker: object | undefined;
}

// Per upstream: attempts, failed attempts, first-byte samples, first bytes over the SLO.
const ATTEMPTS = 0;
const FAILURES = 1;
const FIRST_BYTES = 2;
const SLOW_FIRST_BYTES = 3;
// Gateway-wide: non-stream answers, those over the latency SLO, answers, answers stopped by the filter.
const TIMED = 0;
const SLOW = 1;
const ANSWERS = 2;
const STOPPED = 3;

// Failures that say nothing about the upstream: the client left, or Ferry dropped the attempt.
const notUpstreamFailures = new Set(['client_closed_request', 'attempt_discarded']);
// Every map keyed by something an event names is capped: a bug or a flood never grows memory.
const maxTracked = 1_000;
const slotCount = 60;

/**
 * The alert conditions' raw material, counted from the gateway's events as they happen
 * (each listener is O(1): a map lookup and a few adds, no allocation on the common path) and
 * read by `active(now)` on the evaluation timer.
 *
 * @example
 * const signals = new AlertSignals(settings);
 * signals.subscribe(gateway.events);
 * signals.active(Date.now()); // [{ key: 'breaker:openai', severity: 'critical', ... }]
 */
export class AlertSignals {
  readonly #settings: SignalSettings;
  readonly #upstreams = new Map<string, RollingWindow>();
  readonly #requests: RollingWindow | undefined;
  readonly #circuits = new Map<string, { upstream: string; state: string; since: number }>();
  readonly #fallbacks = new Map<string, { at: number; count: number; reason: string }>();
  #degradedAt = 0;
  #degradedCount = 0;
  readonly #budgets = new Map<string, { at: number; level: 'soft' | 'hard'; scope: string; id: string }>();
  readonly #quota = new Map<
    string,
    { at: number; queueAt: number; queueLength: number; lowAt: number; remaining: number; limit: number }
  >();
  readonly #stores = new Map<string, { state: string; reason: string; since: number }>();
  readonly #cooled = new Map<string, { at: number; count: number; cooldownMs: number; upstream: string }>();
  readonly #upstreamWindowMs: number;

  constructor(settings: SignalSettings) {
    this.#settings = settings;
    const requestWindowMs = Math.max(settings.latency?.windowMs ?? 0, settings.contentFilter?.windowMs ?? 0);
    this.#requests =
      requestWindowMs === 0
        ? undefined
        : new RollingWindow({ windowMs: requestWindowMs, slotMs: requestWindowMs / slotCount, fields: 4 });
    this.#upstreamWindowMs = Math.max(settings.errorRate?.windowMs ?? 0, settings.firstByte?.windowMs ?? 0);
  }

  /** Subscribes to the events the enabled conditions need; returns the unsubscribers. */
  subscribe(events: GatewayEvents): Array<() => void> {
    const settings = this.#settings;
    const off: Array<() => void> = [];
    if (settings.breaker !== undefined) off.push(events.on('breaker', (event) => this.#breaker(event)));
    if (this.#upstreamWindowMs > 0) off.push(events.on('attempt', (event) => this.#attempt(event)));
    if (this.#requests !== undefined || settings.fallback !== undefined)
      off.push(events.on('request:end', (event) => this.#ended(event)));
    if (settings.contentFilter !== undefined) off.push(events.on('filter', (event) => this.#filtered(event)));
    if (settings.fallback !== undefined) off.push(events.on('fallback', (event) => this.#fellBack(event)));
    if (settings.budget !== undefined) off.push(events.on('budget', (event) => this.#budget(event)));
    if (settings.quota !== undefined) off.push(events.on('quota', (event) => this.#quotaSeen(event)));
    if (settings.store !== undefined) off.push(events.on('store', (event) => this.#store(event)));
    if (settings.keyCooling !== undefined)
      off.push(events.on('key:cooling', (event) => this.#keyCooled(event)));
    return off;
  }

  #breaker({ upstream, circuit, state }: GatewayEventMap['breaker']): void {
    if (state === 'closed') this.#circuits.delete(circuit);
    else if (this.#circuits.has(circuit) || this.#circuits.size < maxTracked) {
      const known = this.#circuits.get(circuit);
      // Half-open is still the same outage: keep the time it opened.
      this.#circuits.set(circuit, { upstream, state, since: known?.since ?? Date.now() });
    }
  }

  #attempt({ upstream, status, error, durationMs }: GatewayEventMap['attempt']): void {
    if (error !== undefined && notUpstreamFailures.has(error.code)) return;
    let window = this.#upstreams.get(upstream);
    if (window === undefined) {
      if (this.#upstreams.size >= maxTracked) return;
      window = new RollingWindow({
        windowMs: this.#upstreamWindowMs,
        slotMs: this.#upstreamWindowMs / slotCount,
        fields: 4,
      });
      this.#upstreams.set(upstream, window);
    }
    const now = Date.now();
    window.add(now, ATTEMPTS);
    if (error !== undefined || (status !== undefined && status >= 500)) window.add(now, FAILURES);
    const firstByte = this.#settings.firstByte;
    if (firstByte !== undefined && error === undefined && status !== undefined) {
      window.add(now, FIRST_BYTES);
      if (durationMs > firstByte.p99Ms) window.add(now, SLOW_FIRST_BYTES);
    }
  }

  #ended({ context, status, error, durationMs }: GatewayEventMap['request:end']): void {
    const now = Date.now();
    const record = context.record;
    if (this.#settings.fallback !== undefined && record.degraded) {
      this.#degradedAt = now;
      this.#degradedCount++;
    }
    const requests = this.#requests;
    if (requests === undefined) return;
    // Refusals (4xx) and clients that left say nothing about the gateway's latency or answers.
    if ((status >= 400 && status < 500) || error?.code === 'client_closed_request') return;
    requests.add(now, ANSWERS);
    // A stream's duration is the length of the answer (minutes, by design); its latency is the
    // first byte, which `firstByte` watches.
    if (context.stream !== true) {
      requests.add(now, TIMED);
      const latency = this.#settings.latency;
      if (latency !== undefined && durationMs > latency.p99Ms) requests.add(now, SLOW);
    }
  }

  #filtered({ action }: GatewayEventMap['filter']): void {
    if (action === 'answer stopped') this.#requests?.add(Date.now(), STOPPED);
  }

  #fellBack({ from, reason }: GatewayEventMap['fallback']): void {
    const known = this.#fallbacks.get(from);
    if (known !== undefined) {
      known.at = Date.now();
      known.count++;
      known.reason = reason;
    } else if (this.#fallbacks.size < maxTracked) {
      this.#fallbacks.set(from, { at: Date.now(), count: 1, reason });
    }
  }

  #budget({ level, scope, id }: GatewayEventMap['budget']): void {
    const key = `${level}:${scope}:${id}`;
    const known = this.#budgets.get(key);
    if (known !== undefined) known.at = Date.now();
    else if (this.#budgets.size < (this.#settings.budget?.maxSubjects ?? 0))
      this.#budgets.set(key, { at: Date.now(), level, scope, id });
  }

  #quotaSeen({ upstream, queueLength, remaining, limit }: GatewayEventMap['quota']): void {
    const settings = this.#settings.quota;
    if (settings === undefined) return;
    const deep = queueLength >= settings.queueDepth;
    const low =
      remaining !== undefined &&
      limit !== undefined &&
      limit > 0 &&
      remaining / limit <= settings.remainingRatio;
    if (!deep && !low) return;
    let known = this.#quota.get(upstream);
    if (known === undefined) {
      if (this.#quota.size >= maxTracked) return;
      known = { at: 0, queueAt: 0, queueLength: 0, lowAt: 0, remaining: 0, limit: 0 };
      this.#quota.set(upstream, known);
    }
    const now = Date.now();
    known.at = now;
    if (deep) {
      known.queueAt = now;
      known.queueLength = queueLength;
    }
    if (low) {
      known.lowAt = now;
      known.remaining = remaining as number;
      known.limit = limit as number;
    }
  }

  #store({ store, state, reason }: GatewayEventMap['store']): void {
    if (state === 'recovered') this.#stores.delete(store);
    else if (!this.#stores.has(store)) this.#stores.set(store, { state, reason, since: Date.now() });
  }

  #keyCooled({ upstream, key, cooldownMs }: GatewayEventMap['key:cooling']): void {
    const name = `${upstream}/${key}`;
    const known = this.#cooled.get(name);
    if (known !== undefined) {
      known.at = Date.now();
      known.count++;
      known.cooldownMs = cooldownMs;
    } else if (this.#cooled.size < maxTracked) {
      this.#cooled.set(name, { at: Date.now(), count: 1, cooldownMs, upstream });
    }
  }

  /** Every condition that holds at `now`. Called on the evaluation timer, never per request. */
  active(now: number): ActiveCondition[] {
    const found: ActiveCondition[] = [];
    const settings = this.#settings;
    for (const [circuit, { upstream, state, since }] of this.#circuits) {
      found.push({
        key: `breaker:${circuit}`,
        condition: 'breaker',
        severity: 'critical',
        title: `Circuit open: ${circuit}`,
        text: `The circuit breaker of upstream ${upstream} is ${state}: requests to it fail fast or go to the fallback chain.`,
        fields: { upstream, circuit, state, since: new Date(since).toISOString() },
      });
    }
    for (const [upstream, window] of this.#upstreams) this.#upstreamConditions(now, upstream, window, found);
    this.#requestConditions(now, found);
    if (settings.fallback !== undefined) this.#fallbackConditions(now, settings.fallback.windowMs, found);
    if (settings.budget !== undefined) {
      for (const [key, budget] of recent(this.#budgets, now, settings.budget.quietMs)) {
        found.push({
          key: `budget:${key}`,
          condition: 'budget',
          severity: budget.level === 'hard' ? 'critical' : 'warning',
          title: `${budget.level === 'hard' ? 'Hard' : 'Soft'} budget reached: ${budget.scope} ${budget.id}`,
          text:
            budget.level === 'hard'
              ? `The ${budget.scope} ${budget.id} has used its budget; its requests are refused (429 insufficient_quota).`
              : `The ${budget.scope} ${budget.id} passed its soft budget; its requests go to the cheaper model.`,
          fields: { scope: budget.scope, id: budget.id, level: budget.level },
        });
      }
    }
    if (settings.quota !== undefined) this.#quotaConditions(now, settings.quota, found);
    for (const [store, { reason, since }] of this.#stores) {
      found.push({
        key: `store:${store}`,
        condition: 'store',
        severity: 'critical',
        title: `Store degraded: ${store}`,
        text: `The ${store} store (Redis) is failing calls; each feature falls back as configured (insurance limiter, fail open or closed).`,
        fields: { store, reason, since: new Date(since).toISOString() },
      });
    }
    if (settings.keyCooling !== undefined) {
      for (const [name, cooled] of recent(this.#cooled, now, settings.keyCooling.windowMs)) {
        found.push({
          key: `key:${name}`,
          condition: 'keyCooling',
          severity: 'warning',
          title: `Upstream key cooling down: ${name}`,
          text: `The key ${name} answered 429 and sits out (${cooled.count} times in the last ${seconds(settings.keyCooling.windowMs)}); requests use the other keys.`,
          fields: { upstream: cooled.upstream, key: name, cooldown: `${cooled.cooldownMs} ms` },
        });
      }
    }
    return found;
  }

  #upstreamConditions(now: number, upstream: string, window: RollingWindow, found: ActiveCondition[]): void {
    const { errorRate, firstByte } = this.#settings;
    if (errorRate !== undefined) {
      const attempts = window.sum(now, ATTEMPTS);
      const failures = window.sum(now, FAILURES);
      if (attempts >= errorRate.minEvents && failures / attempts >= errorRate.threshold) {
        found.push({
          key: `error-rate:${upstream}`,
          condition: 'errorRate',
          severity: 'critical',
          title: `Upstream error rate high: ${upstream}`,
          text: `${percent(failures / attempts)} of attempts to ${upstream} failed in the last ${seconds(errorRate.windowMs)} (threshold ${percent(errorRate.threshold)}).`,
          fields: { upstream, attempts: String(attempts), failed: String(failures) },
        });
      }
    }
    if (firstByte !== undefined) {
      const samples = window.sum(now, FIRST_BYTES);
      const slow = window.sum(now, SLOW_FIRST_BYTES);
      // P99 over the SLO ⇔ more than 1 % of samples over it: exact, with no histogram.
      if (samples >= firstByte.minEvents && slow / samples > 0.01) {
        found.push({
          key: `first-byte:${upstream}`,
          condition: 'firstByte',
          severity: 'warning',
          title: `Time to first byte over the SLO: ${upstream}`,
          text: `P99 time to first byte from ${upstream} is over ${firstByte.p99Ms} ms: ${percent(slow / samples)} of ${samples} answers were slower in the last ${seconds(firstByte.windowMs)}.`,
          fields: { upstream, slo: `${firstByte.p99Ms} ms`, slower: String(slow), answers: String(samples) },
        });
      }
    }
  }

  #requestConditions(now: number, found: ActiveCondition[]): void {
    const requests = this.#requests;
    const { latency, contentFilter } = this.#settings;
    if (requests === undefined) return;
    if (latency !== undefined) {
      const timed = requests.sum(now, TIMED);
      const slow = requests.sum(now, SLOW);
      if (timed >= latency.minEvents && slow / timed > 0.01) {
        found.push({
          key: 'latency',
          condition: 'latency',
          severity: 'warning',
          title: 'P99 latency over the SLO',
          text: `P99 latency of non-stream requests is over ${latency.p99Ms} ms: ${percent(slow / timed)} of ${timed} requests were slower in the last ${seconds(latency.windowMs)}.`,
          fields: { slo: `${latency.p99Ms} ms`, slower: String(slow), requests: String(timed) },
        });
      }
    }
    if (contentFilter !== undefined) {
      const answers = requests.sum(now, ANSWERS);
      const stopped = requests.sum(now, STOPPED);
      if (answers >= contentFilter.minEvents && stopped / answers >= contentFilter.threshold) {
        found.push({
          key: 'content-filter',
          condition: 'contentFilter',
          severity: 'warning',
          title: 'Content filter stopping many answers',
          text: `The content filter stopped ${percent(stopped / answers)} of ${answers} answers in the last ${seconds(contentFilter.windowMs)} (threshold ${percent(contentFilter.threshold)}).`,
          fields: { stopped: String(stopped), answers: String(answers) },
        });
      }
    }
  }

  #fallbackConditions(now: number, windowMs: number, found: ActiveCondition[]): void {
    for (const [from, step] of recent(this.#fallbacks, now, windowMs)) {
      found.push({
        key: `fallback:${from}`,
        condition: 'fallback',
        severity: 'warning',
        title: `Fallback active: passing ${from}`,
        text: `Requests are passing ${from} and served by the next upstream of the fallback chain (last reason: ${step.reason}).`,
        fields: { from, reason: step.reason, passed: String(step.count) },
      });
    }
    if (this.#degradedAt !== 0 && now - this.#degradedAt <= windowMs) {
      found.push({
        key: 'fallback:degraded',
        condition: 'fallback',
        severity: 'critical',
        title: 'Degraded answers served',
        text: 'No upstream could answer: clients are getting the configured degraded answer.',
        fields: { answers: String(this.#degradedCount) },
      });
    } else if (this.#degradedAt !== 0) {
      this.#degradedAt = 0;
      this.#degradedCount = 0;
    }
  }

  #quotaConditions(
    now: number,
    settings: NonNullable<SignalSettings['quota']>,
    found: ActiveCondition[],
  ): void {
    for (const [upstream, quota] of recent(this.#quota, now, settings.windowMs)) {
      const fields: Record<string, string> = { upstream };
      const reasons: string[] = [];
      if (now - quota.queueAt <= settings.windowMs) {
        fields.queue = String(quota.queueLength);
        reasons.push(`${quota.queueLength} requests waiting in pacing's queue`);
      }
      if (now - quota.lowAt <= settings.windowMs) {
        fields.remaining = `${quota.remaining} of ${quota.limit}`;
        reasons.push(`x-ratelimit-remaining-requests at ${quota.remaining} of ${quota.limit}`);
      }
      found.push({
        key: `quota:${upstream}`,
        condition: 'quota',
        severity: 'warning',
        title: `Upstream quota nearly used: ${upstream}`,
        text: `The quota of ${upstream} is nearly used: ${reasons.join('; ')}.`,
        fields,
      });
    }
  }
}

/** The entries seen within `maxAgeMs` of `now`; older ones are dropped from the map on the way. */
function* recent<Value extends { at: number }>(
  entries: Map<string, Value>,
  now: number,
  maxAgeMs: number,
): Generator<[string, Value]> {
  for (const entry of entries) {
    if (now - entry[1].at > maxAgeMs) entries.delete(entry[0]);
    else yield entry;
  }
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
const seconds = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1_000} s`);
