import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planTopology } from '../arms/pinning.js';
import type { LoadResult } from '../load/run-load.js';
import { loadResult } from '../load/test-load-result.js';
import { defineScenario } from '../scenario/scenario.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ArmReport, BenchReport, RoundResult } from './report-types.js';
import { summarizeArm } from './summarize.js';
import { renderText } from './tables.js';
import { evaluateTargets } from './targets.js';
import { comparabilityWarnings } from './warnings.js';

/** A load phase of `count` answers at `latencyMs` each, over 8 s at 1000 connections. */
const load = (count: number, latencyMs: number): LoadResult =>
  loadResult({ connections: 1000, answered: count, latencyMs });

const round = (index: number, phase: LoadResult): RoundResult => ({
  round: index,
  load: phase,
  cpuPercent: undefined,
  maxRssBytes: undefined,
  probe: undefined,
  streams: [],
});

function report(rounds: RoundResult[]): BenchReport {
  const scenario = defineScenario({
    arms: ['ferry-core'],
    probe: false,
    streams: false,
    rounds: rounds.length,
  });
  const arms: ArmReport[] = [
    {
      name: 'ferry-core',
      role: 'ferry',
      description: 'passthrough',
      rounds,
      summary: summarizeArm(rounds, {}, false),
    },
  ];
  const targets = evaluateTargets(scenario, arms);
  return {
    tool: '@ferry/bench',
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    scenario,
    machine: {
      cpuModel: 'test',
      cores: 2,
      memoryBytes: 2 ** 30,
      node: process.version,
      platform: 'linux',
      release: '6',
      loadAverage: { start: 0, end: 0 },
    },
    topology: planTopology(false),
    arms,
    skipped: [],
    targets,
    warnings: comparabilityWarnings(arms),
    passed: targets.every((target) => target.passed),
  };
}

test('a phase where Little’s law fails is flagged in the terminal, JSON, Markdown and HTML reports', () => {
  // Round 2 is the bench's old mistake: 1124 req/s at 1000 connections with a mean of 190 ms.
  const flagged = report([round(1, load(8992, 890)), round(2, load(8992, 190))]);
  const json = JSON.parse(JSON.stringify(flagged)) as BenchReport;
  assert.deepEqual(json.arms[0]?.summary.littlesLaw.failedRounds, [2]);
  assert.equal(json.arms[0]?.rounds[1]?.load.littlesLaw.holds, false);
  assert.match(
    json.warnings[0] ?? '',
    /^ferry-core: Little's law does not hold in the load phase of round 2: busy 0\.21/,
  );

  const text = renderText(flagged);
  assert.match(text, /FLAGGED 0\.61 \(0\.21–1\.00\) \(round 2\)/);
  assert.match(text, /warning: ferry-core: Little's law does not hold/);
  assert.match(text, /All targets met\. Little's law flagged: ferry-core load \(see the warnings\)\.$/);

  const markdown = renderMarkdown(flagged);
  // The median p99 (540 ms) meets the target: the flag is what says the figures are suspect.
  assert.match(markdown, /^# Ferry benchmark — all targets met — Little's law flagged/);
  assert.match(markdown, /\| FLAGGED 0\.61 \(0\.21–1\.00\) \(round 2\) \|/);
  assert.match(markdown, /- warning: ferry-core: Little's law does not hold/);

  const html = renderHtml(flagged);
  assert.match(html, /<span class="fail">Little's law flagged<\/span>/);
  assert.match(html, /<td class="fail">FLAGGED 0\.61/);
  assert.match(html, /<li class="fail">warning: ferry-core: Little's law does not hold/);
});

test('a phase where it holds is marked ok and adds no warning', () => {
  const clean = report([round(1, load(8992, 880)), round(2, load(8992, 890))]);
  assert.deepEqual(clean.warnings, []);
  const text = renderText(clean);
  assert.match(text, /ok 0\.99/);
  assert.doesNotMatch(text, /FLAGGED|Little's law flagged/);
  assert.doesNotMatch(renderMarkdown(clean), /Little's law flagged/);
});

test('targets judge the headline p99: the slow first requests fail an 800 ms target', () => {
  // Every request at 890 ms: the p99 over every request is what a user waits for.
  const slow = report([round(1, load(8992, 890))]);
  const p99 = slow.targets.find((target) => target.target === 'p99Ms');
  assert.equal(p99?.passed, false);
  assert.equal(p99?.message, 'ferry-core: p99 890.0 ms ≥ 800 ms');
  assert.match(renderText(slow), /FAILED: /);
});
