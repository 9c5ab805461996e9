import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { allocate } from './allocate-usage.js';

describe('allocate', () => {
  it('gives whole parts that sum to exactly the total, proportional to the weights', () => {
    assert.deepEqual(allocate(10, [1, 1, 1]), [4, 3, 3]);
    assert.deepEqual(allocate(100, [3, 1]), [75, 25]);
    assert.deepEqual(allocate(7, [0, 0]), [4, 3]);
    assert.deepEqual(allocate(0, [5, 2]), [0, 0]);
    assert.deepEqual(allocate(5, []), []);
  });

  it('sums exactly and keeps every part within one token of its exact share (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 200 }),
        (total, weights) => {
          const parts = allocate(total, weights);
          assert.equal(
            parts.reduce((a, b) => a + b, 0),
            total,
          );
          const sum = weights.reduce((a, b) => a + b, 0);
          parts.forEach((part, index) => {
            const exact = sum === 0 ? total / weights.length : (total * (weights[index] as number)) / sum;
            assert.ok(Number.isInteger(part) && part >= 0);
            assert.ok(Math.abs(part - exact) < 1, `${part} vs ${exact}`);
          });
        },
      ),
    );
  });
});
