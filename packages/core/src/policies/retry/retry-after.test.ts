import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs } from './backoff.js';
import { retryAfterMs, retryAfterSeconds } from './retry-after.js';
import { RetryBudget } from './retry-budget.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('prefers retry-after-ms, then Retry-After seconds, then an HTTP date', () => {
    assert.equal(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, now), 250);
    assert.equal(retryAfterMs({ 'retry-after-ms': '12.5' }, now), 13);
    assert.equal(retryAfterMs({ 'retry-after': '3' }, now), 3000);
    assert.equal(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now), 5000);
    assert.equal(retryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, now), 0);
  });

  it('ignores garbage, negative and absurd values', () => {
    for (const value of [
      'soon',
      '-1',
      '1e3',
      '',
      ' ',
      '3 seconds',
      '0x10',
      'Thu, 99 Foo 2026 00:00:05 GMT',
    ]) {
      assert.equal(retryAfterMs({ 'retry-after': value }, now), undefined, value);
    }
    assert.equal(retryAfterMs({ 'retry-after-ms': 'later' }, now), undefined);
    assert.equal(retryAfterMs({ 'retry-after': '999999999' }, now), undefined);
    assert.equal(retryAfterMs({ 'retry-after-ms': 'x', 'retry-after': '2' }, now), 2000);
    assert.equal(retryAfterMs({}, now), undefined);
  });

  it('gives clients whole seconds, never zero', () => {
    assert.equal(retryAfterSeconds(0), '1');
    assert.equal(retryAfterSeconds(1001), '2');
    assert.equal(retryAfterSeconds(3000), '3');
  });
});

describe('backoffMs (full jitter)', () => {
  it('stays within [0, min(cap, base * 2^(retry-1))]', () => {
    assert.equal(
      backoffMs(1, 1000, 10_000, () => 0),
      0,
    );
    assert.equal(
      backoffMs(1, 1000, 10_000, () => 0.999999),
      999,
    );
    assert.equal(
      backoffMs(3, 1000, 10_000, () => 0.5),
      2000,
    );
    assert.equal(
      backoffMs(10, 1000, 10_000, () => 0.999999),
      9999,
    );
    assert.equal(
      backoffMs(80, 1000, 10_000, () => 0.5),
      5000,
    );
  });
});

describe('RetryBudget', () => {
  it('allows the minimum when quiet and a share of active requests under load', () => {
    const budget = new RetryBudget(20, 2);
    budget.enter();
    assert.equal(budget.tryAcquire(), true);
    assert.equal(budget.tryAcquire(), true);
    assert.equal(budget.tryAcquire(), false, 'the minimum is 2');
    for (let index = 0; index < 19; index++) budget.enter();
    // 20 active: 20% is 4 retries in flight.
    assert.equal(budget.tryAcquire(), true);
    assert.equal(budget.tryAcquire(), true);
    assert.equal(budget.tryAcquire(), false);
    budget.release();
    assert.equal(budget.tryAcquire(), true);
    assert.deepEqual(budget.snapshot, { active: 20, retrying: 4 });
  });
});
