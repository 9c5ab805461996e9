import { progressLine } from '../progress.js';
import { parseRampCli, rampUsage } from './ramp-options.js';
import { renderRampText } from './ramp-render.js';
import { runRamp } from './run-ramp.js';
import { writeRampReports } from './write-ramp-reports.js';

/**
 * `ferry-bench ramp ...`: parses the arguments, runs the ramp, writes the reports and returns
 * the exit code (0 a level met the SLO, 1 none did, 2 bad arguments).
 *
 * @example
 * process.exitCode = await rampCommand(['--url', 'http://127.0.0.1:8080/v1/models', '--levels', '1,5']);
 */
export async function rampCommand(argv: readonly string[]): Promise<number> {
  let request: Awaited<ReturnType<typeof parseRampCli>>;
  try {
    request = await parseRampCli(argv);
  } catch (error) {
    process.stderr.write(`ferry-bench ramp: ${(error as Error).message}\n\n${rampUsage}`);
    return 2;
  }
  if (request.help) {
    process.stdout.write(rampUsage);
    return 0;
  }
  const progress = progressLine(process.stderr);
  const report = await runRamp(request.plan, {
    onProgress: progress,
    log: (line) => {
      progress.done();
      process.stderr.write(`${line}\n`);
    },
  });
  progress.done();
  const directory = request.out ?? `bench-results/ramp-${report.startedAt.replace(/[:.]/g, '-')}`;
  const files = await writeRampReports(report, directory);
  if (request.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${renderRampText(report)}\n`);
  process.stderr.write(`\nreports: ${files.html} (open in a browser), ${files.markdown}, ${files.json}\n`);
  return report.largestMeetingSlo === undefined ? 1 : 0;
}
