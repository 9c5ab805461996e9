import { type ResolvedOptions, upstreamList } from '../options.js';
import type { MetricsSetup } from './gateway-metrics.js';

/**
 * What the metrics take from the options: upstream names, the model names the options
 * mention (fallback chains, model maps, allowed models, prices) and every configured key.
 *
 * @example
 * createGatewayMetrics(options.metrics, metricsSetup(options));
 */
export function metricsSetup(options: ResolvedOptions): MetricsSetup {
  const upstreams = upstreamList(options);
  const models = new Set<string>([
    ...Object.keys(options.fallback?.models ?? {}),
    ...Object.keys(options.prices),
    ...upstreams.flatMap((upstream) => [...Object.keys(upstream.models), ...Object.values(upstream.models)]),
    ...options.clients.flatMap((client) => client.allowedModels ?? []),
  ]);
  for (const model of models) if (model.includes('*')) models.delete(model);
  const secrets = new Set<string>([
    ...options.clientKeys,
    ...options.clients.flatMap((client) => client.keys),
    ...upstreams.flatMap((upstream) => [
      ...(upstream.apiKey === undefined ? [] : [upstream.apiKey]),
      ...(upstream.keys?.map((key) => key.apiKey) ?? []),
      ...(upstream.deployments?.flatMap((deployment) => deployment.apiKey ?? []) ?? []),
    ]),
    ...(options.metrics?.adminKey === undefined ? [] : [options.metrics.adminKey]),
    ...(options.usageEndpoint === undefined ? [] : [options.usageEndpoint.adminKey]),
  ]);
  return { upstreamNames: upstreams.map((upstream) => upstream.name), modelNames: models, secrets };
}
