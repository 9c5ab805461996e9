import { megabytes, ratioText, signedMs, spreadText } from './format.js';
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
    title: `Load: ${report.scenario.connections} connections, median of ${report.scenario.rounds} rounds (min–max); latency on established connections, each connection's first request apart`,
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
      'err',
      'timeouts',
      'non-2xx',
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
        String(summary.errors),
        String(summary.timeouts),
        String(summary.non2xx),
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
  lines.push('', report.passed ? 'All targets met.' : `FAILED: ${failedTargets(report).join('; ')}`);
  return lines.join('\n');
}

/** The failed targets' sentences, for the exit message. */
export const failedTargets = (report: BenchReport): string[] =>
  report.targets.filter((target) => !target.passed).map((target) => `${target.target} — ${target.message}`);
