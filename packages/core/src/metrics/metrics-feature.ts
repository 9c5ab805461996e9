import type { Feature } from '../feature.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { createMetricsEndpoint } from './metrics-endpoint.js';
import { metricsOptionsSchema } from './metrics-options.js';
import { metricsSetup } from './metrics-setup.js';

/**
 * Prometheus metrics (docs/metrics.md), derived from the gateway's events: no policy records
 * anything itself. Adds no policy; serves `GET /v1/ferry/metrics` unless `path: false`.
 * Provides `gateway.metrics` for a host app that serves its own `/metrics`.
 */
export const metricsFeature: Feature = {
  name: 'metrics',
  stages: [],
  options: { metrics: metricsOptionsSchema },
  setup(setup) {
    const settings = setup.options.metrics;
    if (settings === undefined) return undefined;
    const recorder = createGatewayMetrics(settings, metricsSetup(setup.options));
    const { events } = setup;
    events.on('request:start', () => recorder.started());
    events.on('request:end', (event) => recorder.ended(event));
    events.on('attempt', (event) => recorder.attempted(event));
    events.on('retry', (event) => recorder.retried(event));
    events.on('breaker', (event) => recorder.breakerChanged(event));
    events.on('store', (event) => recorder.storeChanged(event));
    events.on('filter', (event) => recorder.filtered(event));
    events.on('key:cooling', (event) => recorder.keyCooled(event));
    events.on('quota', (event) => recorder.quotaSeen(event));
    events.on('budget', (event) => recorder.budgetCrossed(event));
    const provides = { metrics: recorder.exposed };
    if (settings.path === false) return { provides };
    const adminKey = settings.adminKey ?? setup.options.usageEndpoint?.adminKey;
    if (adminKey === undefined)
      setup.logger.warn('the metrics endpoint answers without an admin key (set metrics.adminKey)');
    return {
      provides,
      routes: [
        {
          method: 'GET',
          path: settings.path,
          handler: createMetricsEndpoint(recorder.exposed, adminKey, settings.render),
        },
      ],
    };
  },
};
