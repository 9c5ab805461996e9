import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nginxInstalled } from './arms/nginx.js';
import type { BenchReport } from './report/report-types.js';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const directories: string[] = [];
after(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Quick mode, shortened further: the test checks the set-up and the reports, never figures.
const quick = [
  '--quick',
  '--duration',
  '0.5',
  '--probe-duration',
  '0.3',
  '--stream-duration',
  '0.3',
  '--streams',
  '1,2',
];

test('quick mode runs every kind of arm end to end and writes complete reports', async () => {
  const out = await mkdtemp(join(tmpdir(), 'ferry-bench-test-'));
  directories.push(out);
  const { code, stdout, stderr } = await runCli([
    ...quick,
    '--arms',
    'direct,node-floor,ferry-full,nginx',
    '--out',
    out,
  ]);
  assert.equal(code, 0, stderr);

  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as BenchReport;
  assert.equal(report.tool, '@ferry/bench');
  assert.equal(report.scenario.name, 'quick');
  assert.equal(report.scenario.connections, 10);
  const expected = nginxInstalled()
    ? ['direct', 'node-floor', 'ferry-full', 'nginx']
    : ['direct', 'node-floor', 'ferry-full'];
  assert.deepEqual(
    report.arms.map((arm) => arm.name),
    expected,
  );
  if (!nginxInstalled()) {
    assert.deepEqual(report.skipped, [{ name: 'nginx', reason: 'nginx not installed' }]);
    assert.match(stderr + stdout, /skipped: nginx: nginx not installed/);
  }
  for (const arm of report.arms) {
    assert.equal(arm.rounds.length, 2, `${arm.name} has one result per round`);
    const summary = arm.summary;
    assert.ok((summary.requestsPerSecond?.median ?? 0) > 0, `${arm.name} answered requests`);
    assert.ok(summary.latency.p99 !== undefined && summary.latency.p99_9 !== undefined);
    assert.ok(summary.curve.length > 0, `${arm.name} has a latency curve`);
    assert.ok(summary.vsDirect?.throughput !== undefined && summary.vsFloor?.throughput !== undefined);
    assert.deepEqual(
      summary.streams.map((stream) => stream.concurrency),
      [1, 2],
    );
    assert.ok(summary.streams.every((stream) => stream.streams > 0 && stream.ttfb.p99 !== undefined));
    assert.ok(
      summary.cpuPercent !== undefined && summary.maxRssBytes !== undefined,
      `${arm.name} usage seen`,
    );
  }
  const full = report.arms.find((arm) => arm.name === 'ferry-full');
  // The full pipeline needs its client key: zero non-2xx proves the bench sent it.
  assert.equal(full?.summary.non2xx, 0);
  assert.ok(full?.summary.overhead.probe?.p99 !== undefined, 'Server-Timing read at one connection');
  assert.ok(full?.summary.streams[0]?.addedTtfb?.p99 !== undefined, 'added TTFB against direct');
  assert.ok(full?.summary.streams[0]?.overhead.p99 !== undefined, 'Server-Timing read on streams');
  assert.equal(report.arms.find((arm) => arm.name === 'direct')?.summary.overhead.load, undefined);

  // Targets were evaluated on the Ferry arm, not on baselines.
  const judged = new Set(report.targets.map((target) => target.arm));
  assert.ok(judged.has('ferry-full'));
  assert.ok(!judged.has('direct') && !judged.has('node-floor'));
  assert.deepEqual(
    report.targets.filter((target) => target.arm === 'ferry-full').map((target) => target.target),
    ['p99Ms', 'errors', 'timeouts', 'non2xx'],
  );
  assert.equal(report.passed, true);

  const html = await readFile(join(out, 'report.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg /g) ?? []).length, report.arms.length + 1, 'one chart overall, one per arm');
  assert.doesNotMatch(html, /<script|<link|src="http|href="http|@import/, 'self-contained');
  const markdown = await readFile(join(out, 'report.md'), 'utf8');
  assert.match(markdown, /\| arm \| req\/s \| vs direct \| vs Node floor \|/);
  assert.match(markdown, /!\[Latency by percentile/);
  const svg = await readFile(join(out, 'latency.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(stdout, /All targets met\./);
  assert.match(stderr, /topology: /);
});

test('a failed target makes the exit code 1 and is named', async () => {
  const out = await mkdtemp(join(tmpdir(), 'ferry-bench-test-'));
  directories.push(out);
  const { code, stdout, stderr } = await runCli([
    ...quick,
    '--rounds',
    '1',
    '--warmup',
    '0',
    '--no-streams',
    '--no-probe',
    '--arms',
    'direct,ferry-core',
    '--target-p99-ms',
    '0.001',
    '--target-floor-ratio',
    '1',
    '--out',
    out,
  ]);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /target failed: p99Ms — ferry-core: p99 [\d.]+ ms ≥ 0.001 ms/);
  assert.match(stderr, /target failed: minFloorRatio — ferry-core: no node-floor arm in the run/);
  assert.match(stdout, /FAILED: /);
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as BenchReport;
  assert.equal(report.passed, false);
  assert.deepEqual(
    report.targets.filter((target) => !target.passed).map((target) => target.target),
    ['p99Ms', 'minFloorRatio'],
  );
});

test('a bad option exits 2 with the usage', async () => {
  const { code, stderr } = await runCli(['--connections', 'many']);
  assert.equal(code, 2);
  assert.match(stderr, /--connections: "many" is not a number/);
  assert.match(stderr, /Usage: ferry-bench/);
});
