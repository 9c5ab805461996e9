import type { LoadResult } from '../load/run-load.js';
import type { RampLevel, Slo } from './ramp-types.js';

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

/**
 * Judges one ramp level: P99 over every answered request below the SLO, zero failed requests
 * (connection errors, timeouts and non-2xx all count), and Little's law holding, because a
 * level whose figures do not account for its connections' time (the load generator could not
 * keep them busy) has not shown that it holds that many connections.
 *
 * @example
 * judgeLevel(load, { p99Ms: 800, errors: 0 }).passed;
 */
export function judgeLevel(load: LoadResult, slo: Slo): RampLevel {
  const failures: string[] = [];
  const p99 = load.latency?.p99;
  if (p99 === undefined) failures.push('no request answered');
  else if (p99 >= slo.p99Ms) failures.push(`p99 ${ms(p99)} ≥ ${slo.p99Ms} ms`);
  if (load.errors > slo.errors) {
    failures.push(
      `${load.errors} failed requests (${load.connectionErrors} connection errors, ${load.timeouts} timeouts, ${load.non2xx} non-2xx)`,
    );
  }
  if (!load.littlesLaw.holds) failures.push(`Little's law does not hold: ${load.littlesLaw.message}`);
  return { connections: load.connections, load, passed: failures.length === 0, failures };
}

/** A ramp stops after two consecutive failing levels: more connections will not pass. */
export const shouldStop = (levels: readonly RampLevel[]): boolean =>
  levels.length >= 2 && levels.slice(-2).every((level) => !level.passed);

/**
 * The largest level that met the SLO, and a note when a smaller level failed (a blip, or a
 * noisy machine: run it again before relying on the answer).
 *
 * @example
 * largestMeetingSlo(levels).connections; // 500
 */
export function largestMeetingSlo(levels: readonly RampLevel[]): {
  connections: number | undefined;
  note: string | undefined;
} {
  const passed = levels.filter((level) => level.passed).map((level) => level.connections);
  if (passed.length === 0) return { connections: undefined, note: undefined };
  const largest = Math.max(...passed);
  const failedBelow = levels.filter((level) => !level.passed && level.connections < largest);
  return {
    connections: largest,
    note:
      failedBelow.length === 0
        ? undefined
        : `${failedBelow.map((level) => level.connections).join(', ')} connections failed below ${largest}: run the ramp again before relying on ${largest}`,
  };
}

/**
 * The knee of the curve: the level with the highest power, requests/s ÷ mean latency
 * (Kleinrock). Below the knee more connections bring more throughput at flat latency (power
 * rises with the connections); past it throughput stays put and every extra connection only
 * waits in a queue (latency rises with the connections, power falls). Levels with failed
 * requests are left out: fast errors would pass for throughput. Undefined when the highest
 * power is at the largest level measured (throughput still scaling: no knee yet) or when fewer
 * than two levels qualify.
 *
 * @example
 * findKnee(levels); // 250
 */
export function findKnee(levels: readonly RampLevel[]): number | undefined {
  const candidates = levels.filter(
    (level) => level.load.errors === 0 && level.load.latency !== undefined && level.load.latency.mean > 0,
  );
  if (candidates.length < 2) return undefined;
  const power = (level: RampLevel) => level.load.requestsPerSecond / (level.load.latency?.mean ?? 1);
  let best = candidates[0] as RampLevel;
  for (const level of candidates) if (power(level) > power(best)) best = level;
  const largest = Math.max(...levels.map((level) => level.connections));
  return best.connections === largest ? undefined : best.connections;
}
