import { sampleStats } from '../report/stats.js';
import { checkLittlesLaw } from './littles-law.js';
import type { LoadResult } from './run-load.js';

/** What a test load phase should look like; the rest follows (Little's law included). */
export interface LoadShape {
  connections: number;
  durationSeconds?: number;
  /** Answered requests, each at `latencyMs` (or at the given latencies). */
  answered: number;
  latencyMs: number | number[];
  connectionErrors?: number;
  timeouts?: number;
  non2xx?: number;
}

/**
 * A load phase's result with the figures of `shape`, computed by the bench's own statistics
 * and Little's law check: for tests of what reports and verdicts do with a phase.
 */
export function loadResult(shape: LoadShape): LoadResult {
  const durationSeconds = shape.durationSeconds ?? 8;
  const samples = Array.isArray(shape.latencyMs)
    ? shape.latencyMs
    : new Array<number>(shape.answered).fill(shape.latencyMs);
  const latency = sampleStats(samples);
  const connectionErrors = shape.connectionErrors ?? 0;
  const timeouts = shape.timeouts ?? 0;
  const non2xx = shape.non2xx ?? 0;
  return {
    connections: shape.connections,
    durationSeconds,
    requests: samples.length,
    requestsPerSecond: samples.length / durationSeconds,
    latency,
    firstRequest: undefined,
    autocannon: {
      count: samples.length,
      mean: latency?.mean ?? 0,
      p50: latency?.p50 ?? 0,
      p99: latency?.p99 ?? 0,
      max: latency?.max ?? 0,
    },
    curve: [],
    errors: connectionErrors + timeouts + non2xx,
    connectionErrors,
    timeouts,
    non2xx,
    littlesLaw: checkLittlesLaw({
      connections: shape.connections,
      durationSeconds,
      responses: samples.length,
      latencySumMs: latency === undefined ? 0 : latency.mean * latency.count,
      timeouts,
      timeoutMs: 10_000,
      rateLimited: false,
    }),
    overhead: undefined,
  };
}
