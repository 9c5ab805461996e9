import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LoadShape, loadResult } from '../load/test-load-result.js';
import type { RampLevel } from './ramp-types.js';
import { findKnee, judgeLevel, largestMeetingSlo, shouldStop } from './slo.js';

const slo = { p99Ms: 800, errors: 0 } as const;

/**
 * A closed-loop level over 10 s: `connections` busy connections at `rate` req/s, so the mean
 * latency is connections ÷ rate (Little's law holds), with a slow 1 % tail at `tailMs`.
 */
function level(connections: number, rate: number, tailMs: number, extra: Partial<LoadShape> = {}): RampLevel {
  const answered = rate * 10;
  const tail = Math.ceil(answered / 50);
  const meanMs = (connections / rate) * 1_000;
  const bodyMs = (meanMs * answered - tail * tailMs) / (answered - tail);
  const latencies = [
    ...new Array<number>(answered - tail).fill(bodyMs),
    ...new Array<number>(tail).fill(tailMs),
  ];
  return judgeLevel(
    loadResult({ connections, durationSeconds: 10, answered, latencyMs: latencies, ...extra }),
    slo,
  );
}

test('a level passes with p99 under the SLO, no failed request and Little’s law holding', () => {
  const passing = level(100, 2_000, 120);
  assert.equal(passing.passed, true, passing.failures.join('; '));
  assert.deepEqual(passing.failures, []);
});

test('a level fails on its p99 over every request', () => {
  const slow = level(1000, 1124, 2_000);
  assert.equal(slow.passed, false);
  assert.deepEqual(slow.failures, ['p99 2000.0 ms ≥ 800 ms']);
});

test('timeouts, connection errors and non-2xx all fail a level', () => {
  for (const extra of [{ timeouts: 1 }, { connectionErrors: 1 }, { non2xx: 1 }]) {
    const failed = level(100, 2_000, 120, extra);
    assert.equal(failed.passed, false, JSON.stringify(extra));
    assert.match(
      failed.failures[0] ?? '',
      /^1 failed requests \(\d connection errors, \d timeouts, \d non-2xx\)$/,
    );
  }
});

test('a level whose latencies do not account for its connections fails on Little’s law', () => {
  // 1000 connections at 1124 req/s, but a mean of 100 ms: the figures leave time out.
  const missing = judgeLevel(
    loadResult({ connections: 1000, durationSeconds: 10, answered: 11_240, latencyMs: 100 }),
    slo,
  );
  assert.equal(missing.passed, false);
  assert.match(missing.failures[0] ?? '', /^Little's law does not hold: busy 0\.11/);
  const nothing = judgeLevel(loadResult({ connections: 10, answered: 0, latencyMs: 0, timeouts: 0 }), slo);
  assert.deepEqual(nothing.failures.slice(0, 1), ['no request answered']);
});

test('the ramp stops after two failing levels in a row, not after one', () => {
  const pass = level(10, 500, 30);
  const fail = level(1000, 1124, 2_000);
  assert.equal(shouldStop([pass]), false);
  assert.equal(shouldStop([pass, fail]), false);
  assert.equal(shouldStop([pass, fail, pass]), false);
  assert.equal(shouldStop([pass, fail, fail]), true);
});

test('the answer is the largest level meeting the SLO, with a note when a smaller one failed', () => {
  const levels = [level(10, 500, 30), level(50, 2_000, 40), level(100, 2_500, 900), level(250, 2_600, 700)];
  assert.deepEqual(largestMeetingSlo(levels.slice(0, 2)), { connections: 50, note: undefined });
  const blip = largestMeetingSlo(levels);
  assert.equal(blip.connections, 250);
  assert.match(blip.note ?? '', /^100 connections failed below 250: run the ramp again/);
  assert.deepEqual(largestMeetingSlo([level(1000, 1124, 2_000)]), {
    connections: undefined,
    note: undefined,
  });
});

test('the knee is where throughput stops scaling: highest req/s ÷ mean latency', () => {
  // Throughput grows with connections up to 250 (mean 50 ms), then stays at 5000 req/s.
  const saturating = [
    level(10, 200, 60),
    level(50, 1_000, 60),
    level(100, 2_000, 60),
    level(250, 5_000, 70),
    level(500, 5_000, 150),
    level(1000, 5_000, 300),
  ];
  assert.equal(findKnee(saturating), 250);
  // Still scaling at the largest level: no knee yet.
  assert.equal(findKnee(saturating.slice(0, 4)), undefined);
  // A level with errors is no candidate: fast errors would pass for throughput.
  const erroring = [level(10, 200, 60), level(50, 1_000, 60), level(100, 9_000, 20, { non2xx: 5_000 })];
  assert.equal(findKnee(erroring), 50);
  assert.equal(findKnee([level(10, 200, 60)]), undefined);
});
