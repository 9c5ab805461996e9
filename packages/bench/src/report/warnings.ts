import type { ArmReport } from './report-types.js';

/**
 * Baselines and peers are not judged by the targets, but an arm that answered with errors is
 * not a fair comparison: say so rather than print its figures silently. A phase where Little's
 * law does not hold is named for every arm: its latency figures miss where the time went.
 *
 * @example
 * for (const warning of comparabilityWarnings(report.arms)) console.warn(warning);
 */
export function comparabilityWarnings(arms: readonly ArmReport[]): string[] {
  const warnings: string[] = [];
  for (const arm of arms) {
    const { errors, connectionErrors, timeouts, non2xx, streams } = arm.summary;
    if (arm.role !== 'ferry' && arm.role !== 'external' && errors > 0) {
      warnings.push(
        `${arm.name}: ${errors} errors (${connectionErrors} connection errors, ${timeouts} timeouts, ${non2xx} non-2xx) in its worst round: its figures are not comparable`,
      );
    }
    for (const [phase, law] of [
      ['load', arm.summary.littlesLaw],
      ['probe', arm.summary.probeLittlesLaw],
    ] as const) {
      if (law !== undefined && law.failedRounds.length > 0) {
        warnings.push(
          `${arm.name}: Little's law does not hold in the ${phase} phase of round ${law.failedRounds.join(', ')}: ${law.message}`,
        );
      }
    }
    for (const stream of streams) {
      if (stream.errors > 0) {
        warnings.push(
          `${arm.name}: ${stream.errors} of ${stream.errors + stream.streams} streams failed at ${stream.concurrency} at once`,
        );
      }
    }
  }
  return warnings;
}
