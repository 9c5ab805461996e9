import { hostname } from 'node:os';
import type { Feature } from '../feature.js';
import { AlertSignals, type SignalSettings } from './alert-signals.js';
import { alertsOptionsSchema, type ResolvedAlertConditions } from './alerts-options.js';
import { createAlertSinks } from './create-alert-sinks.js';
import { IncidentTracker } from './incidents.js';

/**
 * Alerts (docs/operations.md), derived from the gateway's events: listeners only count (O(1)
 * per event), a timer evaluates the conditions and turns them into incidents, and the sinks
 * send in the background, so a slow or failing sink never touches a request. Adds no policy.
 */
export const alertsFeature: Feature = {
  name: 'alerts',
  stages: [],
  options: { alerts: alertsOptionsSchema },
  setup({ options, logger, events, stores, onClose }) {
    const settings = options.alerts;
    if (settings === undefined) return undefined;
    const sinks = createAlertSinks(settings.sinks, logger);
    const signals = new AlertSignals(signalSettings(settings.conditions));
    const unsubscribe = signals.subscribe(events);
    let storeErrorLogged = false;
    let storeFailed = false;
    const incidents = new IncidentTracker({
      reminderIntervalMs: settings.reminderIntervalMs,
      resolveAfterMs: settings.resolveAfterMs,
      evaluateIntervalMs: settings.evaluateIntervalMs,
      store: stores.store,
      instance: settings.instance ?? `${hostname()}:${process.pid}`,
      deliver(message, condition, sent) {
        if (sent) {
          for (const sink of sinks) sink.notify(message);
          logger[message.state === 'resolved' ? 'info' : 'warn'](
            { alert: { incident: message.incidentId, condition: condition.key, state: message.state } },
            message.title,
          );
        }
        if (events.wants('alert'))
          events.emit('alert', {
            incidentId: message.incidentId,
            condition: condition.key,
            state: message.state,
            severity: condition.severity,
            title: message.title,
            sent,
          });
      },
      onStoreError() {
        storeFailed = true;
        // Once per outage is enough: the store's own `store` events say more.
        if (storeErrorLogged) return;
        storeErrorLogged = true;
        logger.warn('alerts: the shared store failed; this instance sends on its own until it answers');
      },
    });
    let running: Promise<void> | undefined;
    const evaluate = () => {
      if (running !== undefined) return; // the store is slow: skip a tick rather than pile up
      const now = Date.now();
      storeFailed = false;
      running = incidents
        .evaluate(now, signals.active(now))
        .then(() => {
          if (!storeFailed) storeErrorLogged = false;
        })
        .catch((error: unknown) => logger.error({ err: error }, 'alerts: evaluation failed'))
        .finally(() => {
          running = undefined;
        });
    };
    const timer = setInterval(evaluate, settings.evaluateIntervalMs);
    timer.unref();
    onClose(async () => {
      clearInterval(timer);
      for (const off of unsubscribe) off();
      await running;
      await Promise.all(sinks.map((sink) => sink.close()));
    });
    return {};
  },
};

function signalSettings(conditions: ResolvedAlertConditions): SignalSettings {
  const on = <T>(value: T | false): T | undefined => (value === false ? undefined : value);
  return {
    breaker: on(conditions.breaker),
    errorRate: on(conditions.errorRate),
    latency: on(conditions.latency),
    firstByte: on(conditions.firstByte),
    fallback: on(conditions.fallback),
    budget: on(conditions.budget),
    quota: on(conditions.quota),
    store: on(conditions.store),
    keyCooling: on(conditions.keyCooling),
    contentFilter: on(conditions.contentFilter),
  };
}
