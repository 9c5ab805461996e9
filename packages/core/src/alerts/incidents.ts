import { randomBytes } from 'node:crypto';
import type { Store } from '../stores/store.js';
import type { ActiveCondition } from './alert-signals.js';
import type { AlertMessage, AlertState } from './sinks/alert-message.js';

/** An incident this instance knows is open. */
export interface OpenIncident {
  id: string;
  condition: ActiveCondition;
  startedAt: number;
  lastActiveAt: number;
  /** Reminders already handled (sent here or by another instance): the next is number `reminders + 1`. */
  reminders: number;
}

export interface IncidentSettings {
  reminderIntervalMs: number;
  resolveAfterMs: number;
  evaluateIntervalMs: number;
  /** Shared by instances: who opens an incident and who sends each notification. */
  store: Store;
  instance: string;
  /** Delivers one notification (to every sink); `sent` is false when another instance sent it. */
  deliver(message: AlertMessage, condition: ActiveCondition, sent: boolean): void;
  /** A store call failed: the notification is sent anyway (a duplicate beats a lost alert). */
  onStoreError(error: unknown): void;
}

/**
 * Turns the conditions that hold at each evaluation into incidents: one `firing` message when
 * a condition starts, a `reminder` every `reminderIntervalMs` while it holds, and `resolved`
 * once it has been clear for `resolveAfterMs` (so a flapping condition is one incident).
 *
 * Instances sharing a store agree on each incident and send each notification once: the
 * incident is claimed with `SET NX` on `alert:open:<condition>` (the loser adopts the winner's
 * id and start), and every notification with `SET NX` on `alert:sent:<id>:<what>`, with
 * expiries so a crashed instance leaves nothing behind.
 *
 * @example
 * const incidents = new IncidentTracker(settings);
 * await incidents.evaluate(Date.now(), signals.active(Date.now()));
 */
export class IncidentTracker {
  readonly #settings: IncidentSettings;
  readonly #open = new Map<string, OpenIncident>();
  readonly #openTtlMs: number;

  constructor(settings: IncidentSettings) {
    this.#settings = settings;
    // Refreshed at every evaluation while the condition holds here; outlives a missed tick or two.
    this.#openTtlMs = settings.resolveAfterMs + settings.reminderIntervalMs + 3 * settings.evaluateIntervalMs;
  }

  /** The incidents open on this instance. */
  open(): IterableIterator<OpenIncident> {
    return this.#open.values();
  }

  async evaluate(now: number, active: readonly ActiveCondition[]): Promise<void> {
    const seen = new Set<string>();
    for (const condition of active) {
      seen.add(condition.key);
      const incident = this.#open.get(condition.key);
      if (incident === undefined) await this.#start(now, condition);
      else await this.#continue(now, incident, condition);
    }
    for (const [key, incident] of this.#open) {
      if (seen.has(key) || now - incident.lastActiveAt < this.#settings.resolveAfterMs) continue;
      this.#open.delete(key);
      await this.#resolve(now, incident);
    }
  }

  async #start(now: number, condition: ActiveCondition): Promise<void> {
    const { store } = this.#settings;
    const candidate = `${slug(condition.key)}-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
    const openKey = `alert:open:${condition.key}`;
    let id = candidate;
    let startedAt = now;
    let mine = true;
    try {
      mine = await store.setIfAbsent(openKey, `${candidate} ${now}`, this.#openTtlMs);
      if (!mine) {
        const [knownId, knownStart] = ((await store.get(openKey)) ?? '').split(' ');
        if (knownId !== undefined && knownId.length > 0) {
          id = knownId;
          startedAt = Number(knownStart) || now;
        } else {
          mine = true; // it expired between the two calls: ours now
        }
      }
    } catch (error) {
      this.#settings.onStoreError(error);
      mine = true;
    }
    const incident: OpenIncident = { id, condition, startedAt, lastActiveAt: now, reminders: 0 };
    // Joining an incident another instance opened: its reminders are already counted from its start.
    incident.reminders = Math.floor((now - startedAt) / this.#settings.reminderIntervalMs);
    this.#open.set(condition.key, incident);
    this.#settings.deliver(this.#message(incident, 'firing', now), condition, mine);
  }

  async #continue(now: number, incident: OpenIncident, condition: ActiveCondition): Promise<void> {
    incident.condition = condition;
    incident.lastActiveAt = now;
    const { store, reminderIntervalMs } = this.#settings;
    try {
      await store.set(`alert:open:${condition.key}`, `${incident.id} ${incident.startedAt}`, this.#openTtlMs);
    } catch (error) {
      this.#settings.onStoreError(error);
    }
    const due = Math.floor((now - incident.startedAt) / reminderIntervalMs);
    if (due <= incident.reminders) return;
    incident.reminders = due;
    const sent = await this.#claim(`alert:sent:${incident.id}:reminder:${due}`, reminderIntervalMs);
    this.#settings.deliver(this.#message(incident, 'reminder', now), condition, sent);
  }

  async #resolve(now: number, incident: OpenIncident): Promise<void> {
    const sent = await this.#claim(`alert:sent:${incident.id}:resolved`, this.#openTtlMs);
    if (sent) {
      try {
        await this.#settings.store.delete(`alert:open:${incident.condition.key}`);
      } catch (error) {
        this.#settings.onStoreError(error);
      }
    }
    this.#settings.deliver(this.#message(incident, 'resolved', now), incident.condition, sent);
  }

  /** True when this instance is the one to send (or the store cannot say). */
  async #claim(key: string, ttlMs: number): Promise<boolean> {
    try {
      return await this.#settings.store.setIfAbsent(key, this.#settings.instance, ttlMs);
    } catch (error) {
      this.#settings.onStoreError(error);
      return true;
    }
  }

  #message(incident: OpenIncident, state: AlertState, now: number): AlertMessage {
    const { condition } = incident;
    const lasted = duration(now - incident.startedAt);
    const text =
      state === 'firing'
        ? condition.text
        : state === 'reminder'
          ? `Still going on after ${lasted}. ${condition.text}`
          : `Resolved after ${lasted}: the condition has been clear for ${duration(this.#settings.resolveAfterMs)}.`;
    return {
      severity: state === 'resolved' ? 'info' : condition.severity,
      title: condition.title,
      text,
      fields: { ...condition.fields, instance: this.#settings.instance },
      state,
      incidentId: incident.id,
      at: new Date(now),
    };
  }
}

const slug = (key: string) =>
  key
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48);

function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
