import { describeTopology } from '../arms/pinning.js';
import { number } from '../report/format.js';
import { escapeXml } from '../report/latency-chart.js';
import type { Table } from '../report/tables.js';
import { rampChartSvg } from './ramp-chart.js';
import type { RampReport } from './ramp-types.js';

const figure = (value: number | undefined) => (value === undefined ? '–' : number(value));

/** `largest level meeting the SLO: 500` or `no level met the SLO`. */
export const rampVerdict = (report: RampReport): string =>
  report.largestMeetingSlo === undefined
    ? `no level met the SLO (p99 < ${report.slo.p99Ms} ms over every request, zero errors)`
    : `largest level meeting the SLO: ${report.largestMeetingSlo}`;

const kneeLine = (report: RampReport) =>
  report.knee === undefined
    ? 'knee: not reached within the levels measured (throughput still rising, or too few clean levels)'
    : `knee: ${report.knee} connections (highest requests/s ÷ mean latency; past it extra connections only queue)`;

/** The per-level table, shared by the terminal, Markdown and HTML. */
export function rampTable(report: RampReport): Table {
  return {
    title: `Ramp: ${report.durationSeconds} s per level; latency over every request, first ones included; errors = connection errors + timeouts + non-2xx`,
    header: [
      'connections',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'mean ms',
      'errors',
      'timeouts',
      'non-2xx',
      "Little's law",
      'SLO',
      'why',
    ],
    rows: [
      ...report.levels.map((level) => {
        const { load } = level;
        const law = load.littlesLaw;
        return [
          String(level.connections),
          number(load.requestsPerSecond),
          figure(load.latency?.p50),
          figure(load.latency?.p99),
          figure(load.latency?.max),
          figure(load.latency?.mean),
          String(load.errors),
          String(load.timeouts),
          String(load.non2xx),
          `${law.holds ? 'ok' : 'FLAGGED'} ${law.busyRatio.toFixed(2)}`,
          level.passed ? 'PASS' : 'FAIL',
          level.failures.join('; '),
        ];
      }),
      ...report.notRun.map((connections) => [String(connections), ...new Array(9).fill('–'), 'not run', '']),
    ],
  };
}

function describe(report: RampReport): string[] {
  const { target, machine } = report;
  const what =
    target.kind === 'arm'
      ? `arm ${target.arm}, workload ${target.workload}`
      : `${target.method} ${target.url}${target.bodyBytes > 0 ? `, ${target.bodyBytes}-byte body` : ''}${target.headerNames.length > 0 ? `, headers ${target.headerNames.join(', ')} (values not recorded)` : ''}`;
  return [
    `Run: ${report.startedAt} → ${report.finishedAt}`,
    `Target: ${what}`,
    `SLO: p99 < ${report.slo.p99Ms} ms over every request and zero errors, with Little's law holding; levels ${report.levelsPlanned.join(', ')}; ${report.durationSeconds} s each, timeout ${report.timeoutSeconds} s, warm-up ${report.warmupSeconds} s`,
    `Machine: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}; 1-min load average ${machine.loadAverage.start.toFixed(2)} → ${machine.loadAverage.end.toFixed(2)}; ${describeTopology(report.topology)}`,
  ];
}

/** The ramp for the terminal: aligned table, notes, verdict. */
export function renderRampText(report: RampReport): string {
  const table = rampTable(report);
  const widths = table.header.map((cell, column) =>
    Math.max(cell.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd();
  const lines = ['', table.title, line(table.header), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const row of table.rows) lines.push(line(row));
  lines.push('');
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(kneeLine(report), rampVerdict(report));
  return lines.join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The ramp as Markdown, with `chartPath` (the SVG) when given. */
export function renderRampMarkdown(report: RampReport, chartPath?: string): string {
  const table = rampTable(report);
  const lines = [`# Ferry ramp — ${rampVerdict(report)}`, ''];
  for (const text of [...describe(report), ...report.notes.map((note) => `note: ${note}`), kneeLine(report)])
    lines.push(`- ${text}`);
  if (chartPath !== undefined) lines.push('', `![p99 latency by connections](${chartPath})`);
  lines.push('', `## ${table.title}`, '', `| ${table.header.map(cell).join(' | ')} |`);
  lines.push(`|${table.header.map(() => '---').join('|')}|`);
  for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  lines.push('');
  return lines.join('\n');
}

/** The chart of the ramp: p99 against connections, the SLO line and the knee. */
export const rampChart = (report: RampReport): string =>
  rampChartSvg(
    report.levels.map((level) => ({
      connections: level.connections,
      p99Ms: level.load.latency?.p99,
      passed: level.passed,
    })),
    report.slo.p99Ms,
    report.knee,
    `p99 latency over every request by connections (${report.durationSeconds} s per level)`,
  );

/**
 * A self-contained HTML page of the ramp: inline styles and SVG, no script, nothing fetched.
 *
 * @example
 * await writeFile('ramp.html', renderRampHtml(report));
 */
export function renderRampHtml(report: RampReport): string {
  const table = rampTable(report);
  const passed = report.largestMeetingSlo !== undefined;
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Ferry ramp ${escapeXml(report.startedAt)}</title>`,
    '<style>',
    'body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1400px}',
    'table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}',
    'th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;white-space:nowrap}',
    'th:first-child,td:first-child,td:last-child{text-align:left}',
    'th{background:#f5f5f5}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}',
    'svg{max-width:100%;height:auto}',
    '</style></head><body>',
    `<h1>Ferry ramp — <span class="${passed ? 'pass' : 'fail'}">${escapeXml(rampVerdict(report))}</span></h1>`,
    '<ul>',
    ...describe(report).map((text) => `<li>${escapeXml(text)}</li>`),
    ...report.notes.map((note) => `<li class="fail">note: ${escapeXml(note)}</li>`),
    `<li>${escapeXml(kneeLine(report))}</li>`,
    '</ul>',
    rampChart(report),
    `<h2>${escapeXml(table.title)}</h2>`,
    '<table><thead><tr>',
    ...table.header.map((text) => `<th>${escapeXml(text)}</th>`),
    '</tr></thead><tbody>',
  ];
  for (const row of table.rows) {
    const cells = row.map((text) => {
      const status =
        text === 'PASS'
          ? ' class="pass"'
          : text === 'FAIL' || text.startsWith('FLAGGED')
            ? ' class="fail"'
            : '';
      return `<td${status}>${escapeXml(text)}</td>`;
    });
    parts.push(`<tr>${cells.join('')}</tr>`);
  }
  parts.push('</tbody></table>', '</body></html>', '');
  return parts.join('\n');
}
