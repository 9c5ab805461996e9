import { describeTopology } from '../arms/pinning.js';
import type { BenchReport } from './report-types.js';
import { littleFlags, reportTables } from './tables.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The machine, topology and scenario in a few lines, shared by Markdown and HTML. */
export function runDescription(report: BenchReport): string[] {
  const { machine, scenario } = report;
  const phases = [
    scenario.requests === undefined ? `${scenario.durationSeconds} s` : `${scenario.requests} requests`,
    `warm-up ${scenario.warmupSeconds} s, then ${scenario.roundWarmupSeconds} s before each round`,
    `${scenario.rounds} interleaved rounds`,
  ];
  return [
    `Run: ${report.startedAt} → ${report.finishedAt}`,
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}, ${machine.platform} ${machine.release}; 1-min load average ${machine.loadAverage.start.toFixed(2)} at start, ${machine.loadAverage.end.toFixed(2)} at end`,
    `${describeTopology(report.topology)}`,
    `Scenario "${scenario.name}": workload ${scenario.workload.name}, ${scenario.connections} connections, ${phases.join(', ')}; mock latency ${scenario.mock.latencyMs} ms, ${scenario.mock.chunks} chunks every ${scenario.mock.chunkIntervalMs} ms`,
  ];
}

/**
 * The report as Markdown: the run, the tables, skipped arms and the verdict.
 *
 * @example
 * await writeFile('report.md', renderMarkdown(report));
 */
export function renderMarkdown(report: BenchReport, chartPath?: string): string {
  const flagged = littleFlags(report).length > 0 ? " — Little's law flagged" : '';
  const lines = [`# Ferry benchmark — ${report.passed ? 'all targets met' : 'targets FAILED'}${flagged}`, ''];
  for (const line of runDescription(report)) lines.push(`- ${line}`);
  for (const skipped of report.skipped) lines.push(`- skipped: ${skipped.name}: ${skipped.reason}`);
  for (const warning of report.warnings) lines.push(`- warning: ${warning}`);
  if (chartPath !== undefined)
    lines.push('', `![Latency by percentile at ${report.scenario.connections} connections](${chartPath})`);
  for (const table of reportTables(report)) {
    lines.push('', `## ${table.title}`, '');
    lines.push(`| ${table.header.map(cell).join(' | ')} |`);
    lines.push(`|${table.header.map(() => '---').join('|')}|`);
    for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
