import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GcraDecision, GcraLimit, GcraLimiter } from '../gcra-limiter.js';
import { admitted, replayAdmitted, type SeenDecision, seen, worstOvershoot } from './gcra-replay.js';

/** Builds a limiter with its own keys (a fresh prefix for Redis) for one test. */
export type CreateGcraLimiter = (limit: GcraLimit) => Promise<GcraLimiter>;

// Ten tokens an hour: nothing refills while a case runs, so counts are exact.
const slow: GcraLimit = { rate: 10, periodMs: 3_600_000, burst: 10 };
const slowIntervalMs = slow.periodMs / slow.rate;

function expectStatus<S extends GcraDecision['status']>(
  decision: GcraDecision,
  status: S,
): Extract<GcraDecision, { status: S }> {
  assert.equal(decision.status, status, JSON.stringify(decision));
  return decision as Extract<GcraDecision, { status: S }>;
}

/**
 * The behaviour every GCRA limiter shares, written once and run against the memory and the
 * Redis limiter. Each case uses a fresh key on a fresh limiter.
 *
 * @example
 * describe('memory GCRA', () => gcraConformance(async (limit) => createMemoryGcraLimiter(limit)));
 */
export function gcraConformance(create: CreateGcraLimiter): void {
  const use = async (limit: GcraLimit, run: (limiter: GcraLimiter, key: string) => Promise<void>) => {
    const limiter = await create(limit);
    try {
      await run(limiter, `key:${randomUUID()}`);
    } finally {
      await limiter.close();
    }
  };

  it('admits exactly the burst out of concurrent requests on a full bucket', () =>
    use(slow, async (limiter, key) => {
      const decisions = await Promise.all(Array.from({ length: 25 }, () => limiter.consume(key, 1)));
      const allowed = decisions.filter((decision) => decision.status === 'allowed');
      const limited = decisions.filter((decision) => decision.status === 'limited');
      assert.equal(allowed.length, 10);
      assert.equal(limited.length, 15);
      // Each admission saw one token fewer: 9, 8, …, 0 left.
      assert.deepEqual(
        allowed.map((decision) => decision.remaining).sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      for (const decision of limited) {
        assert.equal(decision.remaining, 0);
        // One token comes back within one interval; the bucket is full after ten.
        assert.ok(
          decision.retryAfterMs > 0 && decision.retryAfterMs <= slowIntervalMs,
          `${decision.retryAfterMs}`,
        );
        assert.ok(decision.resetMs > 9 * slowIntervalMs && decision.resetMs <= 10 * slowIntervalMs);
      }
      // A limited decision took nothing: the other keys and this one's state are unchanged.
      const again = expectStatus(await limiter.consume(key, 1), 'limited');
      assert.ok(again.resetMs <= 10 * slowIntervalMs);
      expectStatus(await limiter.consume(`${key}:other`, 10), 'allowed');
    }));

  it('counts costs above 1 and refuses a cost the bucket cannot hold yet', () =>
    use(slow, async (limiter, key) => {
      const first = expectStatus(await limiter.consume(key, 4), 'allowed');
      assert.equal(first.remaining, 6);
      assert.ok(Math.abs(first.resetMs - 4 * slowIntervalMs) < 1_000, `${first.resetMs}`);
      const tooMany = expectStatus(await limiter.consume(key, 7), 'limited');
      assert.equal(tooMany.remaining, 6);
      // Seven tokens need one more than the six left: one interval, less the moment elapsed.
      assert.ok(tooMany.retryAfterMs <= slowIntervalMs && tooMany.retryAfterMs > slowIntervalMs - 10_000);
      const rest = expectStatus(await limiter.consume(key, 6), 'allowed');
      assert.equal(rest.remaining, 0);
      expectStatus(await limiter.consume(key, 1), 'limited');
    }));

  it('answers a cost above the burst as exceeds-burst, without touching the bucket', () =>
    use(slow, async (limiter, key) => {
      assert.deepEqual(await limiter.consume(key, 11), {
        status: 'exceeds-burst',
        allowed: false,
        cost: 11,
        burst: 10,
      });
      expectStatus(await limiter.consume(key, 10), 'allowed');
    }));

  it('refunds tokens, never above the burst', () =>
    use(slow, async (limiter, key) => {
      expectStatus(await limiter.consume(key, 10), 'allowed');
      await limiter.refund(key, 3);
      assert.equal(expectStatus(await limiter.consume(key, 3), 'allowed').remaining, 0);
      expectStatus(await limiter.consume(key, 1), 'limited');
      // A refund on a full bucket adds nothing: still ten, not fifteen.
      const fresh = `${key}:fresh`;
      await limiter.refund(fresh, 5);
      expectStatus(await limiter.consume(fresh, 10), 'allowed');
      expectStatus(await limiter.consume(fresh, 1), 'limited');
    }));

  it('charges tokens unconditionally, so use above a reservation delays the next request', () =>
    use(slow, async (limiter, key) => {
      expectStatus(await limiter.consume(key, 5), 'allowed');
      await limiter.charge(key, 10);
      // Fifteen spent of ten: five below empty, so one token is six intervals away.
      const limited = expectStatus(await limiter.consume(key, 1), 'limited');
      assert.equal(limited.remaining, 0);
      assert.ok(limited.retryAfterMs > 5 * slowIntervalMs && limited.retryAfterMs <= 6 * slowIntervalMs);
    }));

  it('refills at the configured rate', () => {
    // 5 tokens per 250 ms: one every 50 ms.
    const fast: GcraLimit = { rate: 5, periodMs: 250, burst: 5 };
    return use(fast, async (limiter, key) => {
      const decisions: SeenDecision[] = [];
      const drain = async () => {
        for (;;) {
          const decision = await limiter.consume(key, 1);
          decisions.push(seen(decision));
          if (!decision.allowed) return;
        }
      };
      await drain();
      const firstRound = admitted(decisions);
      assert.ok(firstRound >= 5);
      await sleep(200); // four intervals
      await drain();
      const secondRound = admitted(decisions) - firstRound;
      assert.ok(secondRound >= 4, `${secondRound} admitted after four intervals`);
      // Exact against the limiter's own clock: GCRA replayed at the times it decided, and never
      // more than one token plus the refill after any refusal (so at most 5 here, unless this
      // process stalled for a whole interval while draining).
      assert.equal(admitted(decisions), replayAdmitted(fast, decisions));
      assert.ok(worstOvershoot(fast, decisions) <= 0);
    });
  });

  it('sets Retry-After to the moment the same cost is admitted', () => {
    // 2 tokens per 400 ms: one every 200 ms.
    const fast: GcraLimit = { rate: 2, periodMs: 400, burst: 2 };
    return use(fast, async (limiter, key) => {
      expectStatus(await limiter.consume(key, 2), 'allowed');
      const refused = expectStatus(await limiter.consume(key, 1), 'limited');
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 200, `${refused.retryAfterMs}`);
      const dueAt = refused.at + refused.retryAfterMs;
      await sleep(refused.retryAfterMs / 2);
      const early = await limiter.consume(key, 1);
      if (early.status === 'exceeds-burst') assert.fail('unexpected exceeds-burst');
      // Decided by the limiter's clock, not by how long this process slept.
      assert.equal(early.allowed, early.at >= dueAt, JSON.stringify({ early, dueAt }));
      if (early.status === 'limited') {
        assert.ok(Math.abs(early.at + early.retryAfterMs - dueAt) < 0.002, 'the same moment, re-announced');
        await sleep(early.retryAfterMs + 5);
        expectStatus(await limiter.consume(key, 1), 'allowed');
      }
    });
  });

  it('rejects costs that are not finite numbers >= 0', () =>
    use(slow, async (limiter, key) => {
      await assert.rejects(limiter.consume(key, Number.NaN), TypeError);
      await assert.rejects(limiter.consume(key, -1), TypeError);
      await assert.rejects(limiter.refund(key, Number.POSITIVE_INFINITY), TypeError);
      expectStatus(await limiter.consume(key, 10), 'allowed');
    }));
}
