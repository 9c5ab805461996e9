#!/usr/bin/env node
import { parseCli, usage } from './cli-options.js';
import { progressLine } from './progress.js';
import { rampCommand } from './ramp/ramp-command.js';
import { failedTargets, renderText } from './report/tables.js';
import { writeReports } from './report/write-reports.js';
import { runBench } from './run-bench.js';

async function main(): Promise<number> {
  if (process.argv[2] === 'ramp') return rampCommand(process.argv.slice(3));
  let request: Awaited<ReturnType<typeof parseCli>>;
  try {
    request = await parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`ferry-bench: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (request.help) {
    process.stdout.write(usage);
    return 0;
  }
  const progress = progressLine(process.stderr);
  const report = await runBench(request.scenario, {
    onProgress: progress,
    log: (line) => {
      progress.done();
      process.stderr.write(`${line}\n`);
    },
  });
  progress.done();
  const directory = request.out ?? `bench-results/${report.startedAt.replace(/[:.]/g, '-')}`;
  const files = await writeReports(report, directory);
  if (request.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${renderText(report)}\n`);
  process.stderr.write(`\nreports: ${files.html} (open in a browser), ${files.markdown}, ${files.json}\n`);
  if (!report.passed) {
    for (const failure of failedTargets(report)) process.stderr.write(`target failed: ${failure}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ferry-bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
