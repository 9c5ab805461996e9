import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../../testing/eventually.js';
import { createMemoryGcraLimiter } from './gcra-memory-limiter.js';
import { gcraConformance } from './testing/gcra-conformance.js';

describe('memory GCRA limiter', () => {
  gcraConformance(async (limit) => createMemoryGcraLimiter(limit));

  it('forgets buckets once they refilled, so idle keys hold no memory', async () => {
    // One token per 10 ms: a bucket that spent one token is full again 10 ms later.
    const limiter = createMemoryGcraLimiter({ rate: 100, periodMs: 1_000, burst: 5, sweepIntervalMs: 20 });
    try {
      await Promise.all(Array.from({ length: 1_000 }, (_, index) => limiter.consume(`key:${index}`, 1)));
      assert.equal(limiter.size, 1_000);
      // Swept by the timer, not by a read.
      await eventually(async () => limiter.size === 0);
      // A key that vanished is a full bucket.
      assert.equal((await limiter.consume('key:1', 5)).status, 'allowed');
      // A refund that fills the bucket drops the key at once.
      await limiter.refund('key:1', 5);
      assert.equal(limiter.size, 0);
    } finally {
      await limiter.close();
    }
  });

  it('names the field of an invalid limit', () => {
    assert.throws(
      () => createMemoryGcraLimiter({ rate: 0, periodMs: 1_000, burst: 1 }),
      /"rate" must be a positive/,
    );
    assert.throws(
      () => createMemoryGcraLimiter({ rate: 1, periodMs: 1_000, burst: Number.NaN }),
      /"burst" must be a positive/,
    );
  });
});
