import type { Registry } from 'prom-client';
import { postChat, type StreamRead } from '../policies/resilience/test-client.js';
import type { LogCapture } from '../testing/index.js';

let counter = 0;

/**
 * Test helper: posts a chat completion and waits for its log line, which the gateway writes
 * right after recording the request's metrics (a stream ends after the client saw its end).
 */
export async function chat(
  baseUrl: string,
  logs: LogCapture,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<StreamRead> {
  const requestId = `metrics-test-${++counter}`;
  const answer = await postChat(
    baseUrl,
    { model: 'gpt-4o-mini', ...body },
    { 'x-request-id': requestId, ...headers },
  );
  await logs.waitFor((entry) => entry.requestId === requestId);
  return answer;
}

/** Test helper: a metric's value for exactly these labels (0 when the series does not exist). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name.replace(/_(count|sum|bucket)$/, ''));
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const wanted = Object.entries(labels);
  const found = values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? name) === name &&
      wanted.every(([key, expected]) => String(value.labels[key]) === expected) &&
      Object.keys(value.labels).filter((key) => key !== 'le').length === wanted.length,
  );
  return found?.value ?? 0;
}

/** Test helper: the distinct values a label takes in a metric. */
export async function labelValues(registry: Registry, name: string, label: string): Promise<Set<string>> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return new Set(values.map((value) => String(value.labels[label])));
}
