import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WrittenReports } from '../report/write-reports.js';
import { rampChart, renderRampHtml, renderRampMarkdown } from './ramp-render.js';
import type { RampReport } from './ramp-types.js';

/**
 * Writes `ramp.json`, `ramp.md`, `ramp.html` and `ramp.svg` into `directory`.
 *
 * @example
 * const files = await writeRampReports(report, 'bench-results/ramp-staging');
 */
export async function writeRampReports(report: RampReport, directory: string): Promise<WrittenReports> {
  await mkdir(directory, { recursive: true });
  const files: WrittenReports = {
    json: join(directory, 'ramp.json'),
    markdown: join(directory, 'ramp.md'),
    html: join(directory, 'ramp.html'),
    chart: join(directory, 'ramp.svg'),
  };
  await Promise.all([
    writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(files.markdown, renderRampMarkdown(report, 'ramp.svg')),
    writeFile(files.html, renderRampHtml(report)),
    writeFile(files.chart, `${rampChart(report)}\n`),
  ]);
  return files;
}
