import { littlesLawTolerance } from '../load/littles-law.js';
import { littleText, megabytes, ratioText, signedMs, spreadText } from './format.js';
import type { BenchReport } from './report-types.js';

/** A table as header + rows of cells, rendered as text, Markdown or HTML. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

/** The report's tables: load, one-connection overhead, streams. Shared by every renderer. */
export function reportTables(report: BenchReport): Table[] {
  const tables: Table[] = [];
  tables.push({
    title: `Load: ${report.scenario.connections} connections, median of ${report.scenario.rounds} rounds (min–max); latency over every request, each connection's first included; errors = connection errors + timeouts + non-2xx; Little's law: busy ratio, flagged beyond ±${littlesLawTolerance * 100} %`,
    header: [
      'arm',
      'req/s',
      'vs direct',
      'vs Node floor',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'mean ms',
      'errors',
      'conn err',
      'timeouts',
      'non-2xx',
      "Little's law",
      'SUT CPU %',
      'SUT peak RSS',
      'Ferry p99 ms',
      '1st req p50 ms',
      '1st req max ms',
    ],
    rows: report.arms.map((arm) => {
      const summary = arm.summary;
      return [
        arm.name,
        spreadText(summary.requestsPerSecond),
        arm.name === 'direct' ? '1.00x' : ratioText(summary.vsDirect?.throughput),
        arm.name === 'node-floor' ? '1.00x' : ratioText(summary.vsFloor?.throughput),
        spreadText(summary.latency.p50),
        spreadText(summary.latency.p90),
        spreadText(summary.latency.p99),
        spreadText(summary.latency.p99_9),
        spreadText(summary.latency.max),
        spreadText(summary.latency.mean),
        String(summary.errors),
        String(summary.connectionErrors),
        String(summary.timeouts),
        String(summary.non2xx),
        littleText(summary.littlesLaw),
        spreadText(summary.cpuPercent),
        megabytes(summary.maxRssBytes),
        spreadText(summary.overhead.load?.p99),
        spreadText(summary.firstRequest.p50),
        spreadText(summary.firstRequest.max),
      ];
    }),
  });
  const probe = report.scenario.probe;
  if (probe !== false) {
    tables.push({
      title: `Latency at ${probe.connections} connection(s) and Ferry's own time (Server-Timing)`,
      header: [
        'arm',
        'p50 ms',
        'p99 ms',
        'added p50 ms',
        'added p99 ms',
        'Ferry p50 ms',
        'Ferry p99 ms',
        'Ferry p99.9 ms',
        'Ferry max ms',
        "Little's law",
      ],
      rows: report.arms.map((arm) => {
        const summary = arm.summary;
        return [
          arm.name,
          spreadText(summary.probeLatency?.p50),
          spreadText(summary.probeLatency?.p99),
          signedMs(summary.probeAdded?.p50),
          signedMs(summary.probeAdded?.p99),
          spreadText(summary.overhead.probe?.p50),
          spreadText(summary.overhead.probe?.p99),
          spreadText(summary.overhead.probe?.p99_9),
          spreadText(summary.overhead.probe?.max),
          littleText(summary.probeLittlesLaw),
        ];
      }),
    });
  }
  if (report.scenario.streams !== false) {
    const rows: string[][] = [];
    for (const arm of report.arms) {
      for (const stream of arm.summary.streams) {
        rows.push([
          arm.name,
          String(stream.concurrency),
          String(stream.streams),
          String(stream.errors),
          spreadText(stream.ttfb.p50),
          spreadText(stream.ttfb.p99),
          signedMs(stream.addedTtfb?.p50),
          signedMs(stream.addedTtfb?.p99),
          spreadText(stream.gap.p50),
          spreadText(stream.gap.p99),
        ]);
      }
    }
    tables.push({
      title: 'Streams (server-sent events): time to first byte and gap between chunks',
      header: [
        'arm',
        'streams at once',
        'completed',
        'failed',
        'TTFB p50 ms',
        'TTFB p99 ms',
        'added p50 ms',
        'added p99 ms',
        'gap p50 ms',
        'gap p99 ms',
      ],
      rows,
    });
  }
  tables.push({
    title: 'Targets',
    header: ['', 'target', 'result'],
    rows: report.targets.map((target) => [target.passed ? 'PASS' : 'FAIL', target.target, target.message]),
  });
  return tables;
}

/** Plain text with aligned columns, for the terminal. */
export function renderText(report: BenchReport): string {
  const lines: string[] = [];
  for (const table of reportTables(report)) {
    const widths = table.header.map((cell, column) =>
      Math.max(cell.length, ...table.rows.map((row) => (row[column] ?? '').length)),
    );
    const line = (cells: string[]) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column] as number))
        .join('  ')
        .trimEnd();
    lines.push('', table.title, line(table.header), widths.map((width) => '-'.repeat(width)).join('  '));
    for (const row of table.rows) lines.push(line(row));
  }
  for (const skipped of report.skipped) lines.push(`skipped: ${skipped.name}: ${skipped.reason}`);
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push('', verdict(report));
  return lines.join('\n');
}

/**
 * The run's one-line verdict. A phase where Little's law does not hold is named even when
 * every target is met: its latency figures do not account for the time its connections held.
 */
export function verdict(report: BenchReport): string {
  const flagged = littleFlags(report);
  const suffix =
    flagged.length === 0 ? '' : ` Little's law flagged: ${flagged.join(', ')} (see the warnings).`;
  return report.passed
    ? `All targets met.${suffix}`
    : `FAILED: ${failedTargets(report).join('; ')}.${suffix}`;
}

/** `ferry-core load`, `ferry-full probe`: the arms' phases where Little's law did not hold. */
export const littleFlags = (report: BenchReport): string[] =>
  report.arms.flatMap((arm) => [
    ...(arm.summary.littlesLaw.failedRounds.length > 0 ? [`${arm.name} load`] : []),
    ...((arm.summary.probeLittlesLaw?.failedRounds.length ?? 0) > 0 ? [`${arm.name} probe`] : []),
  ]);

/** The failed targets' sentences, for the exit message. */
export const failedTargets = (report: BenchReport): string[] =>
  report.targets.filter((target) => !target.passed).map((target) => `${target.target} — ${target.message}`);
