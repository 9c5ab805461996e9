import type { InternalRouteHandler } from '../feature.js';
import { adminKeyCheck } from '../policies/admin-key.js';
import type { GatewayMetrics } from './gateway-metrics.js';

const encoder = new TextEncoder();

/**
 * `GET {basePath}/ferry/metrics`: the Prometheus text exposition of the gateway's registry,
 * behind the admin key when one is configured.
 *
 * @example
 * addInternalRoute('GET', '/ferry/metrics', createMetricsEndpoint(metrics, adminKey));
 */
export function createMetricsEndpoint(
  metrics: GatewayMetrics,
  adminKey: string | undefined,
  render: () => Promise<string> = metrics.render,
): InternalRouteHandler {
  const requireAdmin = adminKey === undefined ? undefined : adminKeyCheck(adminKey);
  return async (request) => {
    requireAdmin?.(request);
    const text = await render();
    return {
      status: 200,
      headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' },
      body: encoder.encode(text),
    };
  };
}
