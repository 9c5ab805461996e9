import { escapeXml, latencyChartSvg } from './latency-chart.js';
import { runDescription } from './markdown.js';
import type { BenchReport } from './report-types.js';
import { littleFlags, reportTables } from './tables.js';

/** The chart of every arm's latency curve at the load phase's connections. */
export function combinedChart(report: BenchReport): string {
  return latencyChartSvg(
    report.arms.map((arm) => ({ name: arm.name, curve: arm.summary.curve })),
    `Latency by percentile, ${report.scenario.connections} connections (median of ${report.scenario.rounds} rounds)`,
  );
}

/**
 * A self-contained HTML report: styles and SVG charts inline, no script, nothing fetched
 * from the network. One chart with every arm, then one per arm with its rounds.
 *
 * @example
 * await writeFile('report.html', renderHtml(report));
 */
export function renderHtml(report: BenchReport): string {
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Ferry benchmark ${escapeXml(report.startedAt)}</title>`,
    '<style>',
    'body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1400px}',
    'table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}',
    'th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;white-space:nowrap}',
    'th:first-child,td:first-child{text-align:left}',
    'th{background:#f5f5f5}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}',
    '.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts svg{max-width:100%;height:auto}',
    '</style></head><body>',
    `<h1>Ferry benchmark — <span class="${report.passed ? 'pass">all targets met' : 'fail">targets failed'}</span>${littleFlags(report).length > 0 ? ` — <span class="fail">Little's law flagged</span>` : ''}</h1>`,
    '<ul>',
    ...runDescription(report).map((line) => `<li>${escapeXml(line)}</li>`),
    ...report.skipped.map(
      (skipped) => `<li>skipped: ${escapeXml(skipped.name)}: ${escapeXml(skipped.reason)}</li>`,
    ),
    ...report.warnings.map((warning) => `<li class="fail">warning: ${escapeXml(warning)}</li>`),
    '</ul>',
    combinedChart(report),
  ];
  for (const table of reportTables(report)) {
    parts.push(`<h2>${escapeXml(table.title)}</h2>`, '<table><thead><tr>');
    parts.push(...table.header.map((cell) => `<th>${escapeXml(cell)}</th>`), '</tr></thead><tbody>');
    for (const row of table.rows) {
      const cells = row.map((cell, index) => {
        const status =
          table.title === 'Targets' && index === 0
            ? ` class="${cell === 'PASS' ? 'pass' : 'fail'}"`
            : cell.startsWith('FLAGGED')
              ? ' class="fail"'
              : '';
        return `<td${status}>${escapeXml(cell)}</td>`;
      });
      parts.push(`<tr>${cells.join('')}</tr>`);
    }
    parts.push('</tbody></table>');
  }
  parts.push('<h2>Per arm: latency by percentile, each round</h2>', '<div class="charts">');
  for (const arm of report.arms) {
    parts.push(
      latencyChartSvg(
        arm.rounds.map((round) => ({ name: `round ${round.round}`, curve: round.load.curve })),
        `${arm.name} — ${arm.description}`,
        560,
        280,
      ),
    );
  }
  parts.push('</div>', '</body></html>', '');
  return parts.join('\n');
}
