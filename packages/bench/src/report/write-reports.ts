import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { combinedChart, renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { BenchReport } from './report-types.js';

/** Where each report of a run was written. */
export interface WrittenReports {
  json: string;
  markdown: string;
  html: string;
  chart: string;
}

/**
 * Writes `report.json`, `report.md`, `report.html` and `latency.svg` into `directory`.
 *
 * @example
 * const files = await writeReports(report, 'bench-results/2026-01-01');
 */
export async function writeReports(report: BenchReport, directory: string): Promise<WrittenReports> {
  await mkdir(directory, { recursive: true });
  const files: WrittenReports = {
    json: join(directory, 'report.json'),
    markdown: join(directory, 'report.md'),
    html: join(directory, 'report.html'),
    chart: join(directory, 'latency.svg'),
  };
  await Promise.all([
    writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(files.markdown, renderMarkdown(report, 'latency.svg')),
    writeFile(files.html, renderHtml(report)),
    writeFile(files.chart, `${combinedChart(report)}\n`),
  ]);
  return files;
}
