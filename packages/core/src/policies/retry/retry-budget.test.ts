import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetRetryBudget, RetryBudget } from './retry-budget.js';

/** How many retries the budget lets run at once with `active` requests in flight. */
function concurrentRetries(budget: RetryBudget, active: number): number {
  for (let index = 0; index < active; index++) budget.enter();
  let granted = 0;
  while (budget.tryAcquire()) granted++;
  return granted;
}

describe('the retry budget', () => {
  it('allows its percentage of requests in flight, never less than its floor', () => {
    assert.equal(concurrentRetries(new RetryBudget(20, 3), 2), 3);
    assert.equal(concurrentRetries(new RetryBudget(20, 3), 100), 20);
  });

  it('divides the floor among the instances of a fleet, and keeps the percentage', () => {
    // A quiet fleet of three: one retry each at once, three in all, as one instance alone had.
    assert.equal(concurrentRetries(fleetRetryBudget(20, 3, 3), 2), 1);
    assert.equal(concurrentRetries(fleetRetryBudget(20, 3, 2), 2), 2);
    assert.equal(concurrentRetries(fleetRetryBudget(20, 3, 1), 2), 3);
    // Busy: the share of requests in flight is per instance, so the fleet's total stays 20 %.
    assert.equal(concurrentRetries(fleetRetryBudget(20, 3, 3), 100), 20);
    // A floor of 0 stays 0: retries only within the percentage.
    assert.equal(concurrentRetries(fleetRetryBudget(20, 0, 3), 2), 0);
  });
});
