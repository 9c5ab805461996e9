import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLittlesLaw, type LittlesLawInput } from './littles-law.js';

const phase = (input: Partial<LittlesLawInput>): LittlesLawInput => ({
  connections: 1000,
  durationSeconds: 8,
  responses: 8992,
  latencySumMs: 8992 * 890,
  timeouts: 0,
  timeoutMs: 10_000,
  rateLimited: false,
  ...input,
});

test('holds when connections ÷ requests/s equals the mean latency', () => {
  const check = checkLittlesLaw(phase({}));
  assert.equal(check.holds, true);
  assert.ok(Math.abs(check.expectedMeanMs - 889.7) < 0.1, String(check.expectedMeanMs));
  assert.ok(Math.abs(check.busyRatio - 1) < 0.01);
  assert.equal(check.rule, 'closed-loop');
});

test('flags latencies that leave requests out: 1124 req/s at 1000 connections with a mean of 190 ms', () => {
  const check = checkLittlesLaw(phase({ latencySumMs: 8992 * 190 }));
  assert.equal(check.holds, false);
  assert.ok(check.busyRatio < 0.25);
  assert.match(check.message, /^busy 0\.21 of 1000 connections × 8\.0 s: mean 190 ms, expected 890 ms: /);
  assert.match(check.message, /leave requests out/);
});

test('the tolerance bounds are ±25 %, inclusive', () => {
  const at = (ratio: number) => checkLittlesLaw(phase({ latencySumMs: 1000 * 8000 * ratio })).holds;
  assert.equal(at(0.76), true);
  assert.equal(at(0.74), false);
  assert.equal(at(1.24), true);
  assert.equal(at(1.26), false);
  assert.match(
    checkLittlesLaw(phase({ latencySumMs: 1000 * 8000 * 1.5 })).message,
    /more time in flight than the connections had/,
  );
});

test('a timed-out request held its connection for the whole timeout', () => {
  // 2 connections, 1 s, every request timed out after 100 ms: 20 timeouts keep both busy.
  const check = checkLittlesLaw(
    phase({
      connections: 2,
      durationSeconds: 1,
      responses: 0,
      latencySumMs: 0,
      timeouts: 20,
      timeoutMs: 100,
    }),
  );
  assert.equal(check.holds, true);
  assert.equal(check.measuredMeanMs, 100);
  assert.equal(check.expectedMeanMs, 100);
});

test('a rate-limited client may leave connections idle, but not exceed them', () => {
  const idle = phase({ rateLimited: true, responses: 800, latencySumMs: 800 * 60 });
  assert.equal(checkLittlesLaw(idle).holds, true);
  assert.equal(checkLittlesLaw(idle).rule, 'rate-limited');
  assert.equal(checkLittlesLaw({ ...idle, rateLimited: false }).holds, false);
  assert.equal(checkLittlesLaw({ ...idle, latencySumMs: 1000 * 8000 * 1.3 }).holds, false);
});

test('a phase where nothing finished does not pass', () => {
  const check = checkLittlesLaw(phase({ responses: 0, latencySumMs: 0 }));
  assert.equal(check.holds, false);
  assert.equal(check.message, 'no request finished: nothing to check');
});
