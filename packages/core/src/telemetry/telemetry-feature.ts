import type { Feature } from '../feature.js';
import { boundedLabel } from '../metrics/bounded-label.js';
import { metricsSetup } from '../metrics/metrics-setup.js';
import { createGatewayTelemetry } from './gateway-telemetry.js';
import { loadOtelApi } from './load-otel-api.js';
import { openTelemetrySchema } from './telemetry-options.js';

/**
 * OpenTelemetry (docs/operations.md): GenAI spans and metrics on the host app's providers,
 * derived from the events plus one innermost policy per attempt (its span and `traceparent`).
 * Off when `openTelemetry` is left out: `@opentelemetry/api` is not even loaded.
 */
export const openTelemetryFeature: Feature = {
  name: 'open-telemetry',
  stages: ['pace'],
  options: { openTelemetry: openTelemetrySchema },
  setup({ options, events, onClose }) {
    const settings = options.openTelemetry;
    if (settings === undefined || (!settings.traces && !settings.metrics)) return undefined;
    const { modelNames, secrets } = metricsSetup(options);
    const telemetry = createGatewayTelemetry(
      loadOtelApi(),
      settings,
      // Models come from clients: a bounded set of attribute values, as for Prometheus labels.
      boundedLabel(modelNames, settings.maxModels, secrets),
    );
    const unsubscribe = telemetry.subscribe(events);
    onClose(() => {
      for (const off of unsubscribe) off();
    });
    return settings.traces ? { policies: { pace: telemetry.attemptPolicy } } : {};
  },
};
