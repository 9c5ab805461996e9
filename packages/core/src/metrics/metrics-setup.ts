import { keyDigest } from '../clients/client-directory.js';
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
  const configured = [
    ...options.clientKeys,
    ...options.clients.flatMap((client) => client.keys),
    ...upstreams.flatMap((upstream) => [
      ...(upstream.apiKey === undefined ? [] : [upstream.apiKey]),
      ...(upstream.keys?.map((key) => key.apiKey) ?? []),
      ...(upstream.deployments?.flatMap((deployment) => deployment.apiKey ?? []) ?? []),
    ]),
    ...(options.metrics?.adminKey === undefined ? [] : [options.metrics.adminKey]),
    ...(options.usageEndpoint === undefined ? [] : [options.usageEndpoint.adminKey]),
  ];
  // Held as digests: the metrics keep no key in memory (client keys arrive here as digests).
  const secrets = new Set(
    configured.map((secret) =>
      secret.startsWith('sha256:') ? secret.slice(7).toLowerCase() : keyDigest(secret),
    ),
  );
  return { upstreamNames: upstreams.map((upstream) => upstream.name), modelNames: models, secrets };
}
