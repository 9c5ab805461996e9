import { decideGcra } from '../gcra-decide.js';
import { type GcraDecision, type GcraLimit, gcraParameters } from '../gcra-limiter.js';

/** A decision as a test saw it: when the limiter's clock took it, for what cost, and the result. */
export interface SeenDecision {
  at: number;
  cost: number;
  allowed: boolean;
}

/** What a test keeps of a store decision (exceeds-burst has no clock time: it asked no store). */
export function seen(decision: GcraDecision, cost = 1): SeenDecision {
  if (decision.status === 'exceeds-burst') throw new Error('an exceeds-burst decision has no time');
  return { at: decision.at, cost, allowed: decision.allowed };
}

/**
 * How many of `decisions` (on one fresh key) GCRA admits when they arrive at the limiter-clock
 * times they were decided at. The limiter ran them one at a time (Redis runs one script at a
 * time), so sorting by time restores its order; decisions in the same microsecond see no refill
 * between them, so their order does not change the count.
 *
 * @example
 * assert.equal(admitted(decisions), replayAdmitted(limit, decisions));
 */
export function replayAdmitted(limit: GcraLimit, decisions: readonly SeenDecision[]): number {
  const parameters = gcraParameters(limit);
  const ordered = [...decisions].sort((a, b) => a.at - b.at);
  let tat: number | undefined;
  let count = 0;
  for (const decision of ordered) {
    const step = decideGcra(tat, Math.round(decision.at * 1_000), decision.cost, parameters);
    if (step.allowed) {
      tat = step.tatUs;
      count++;
    }
  }
  return count;
}

export const admitted = (decisions: readonly SeenDecision[]) =>
  decisions.filter((decision) => decision.allowed).length;

/**
 * GCRA's promise for any stretch of time: after a refused decision of cost `c` (fewer than `c`
 * tokens left), at most `c` tokens plus what refilled since can be admitted up to the last
 * decision. Returns the largest overshoot over every refused decision as a starting point: a
 * correct limiter gives a number <= 0. Times are compared in whole microseconds, as decided.
 *
 * @example
 * assert.ok(worstOvershoot(limit, decisions) <= 0);
 */
export function worstOvershoot(limit: GcraLimit, decisions: readonly SeenDecision[]): number {
  const { intervalUs } = gcraParameters(limit);
  const ordered = decisions
    .map((decision) => ({ ...decision, us: Math.round(decision.at * 1_000) }))
    .sort((a, b) => a.us - b.us);
  const lastUs = ordered.at(-1)?.us ?? 0;
  let worst = Number.NEGATIVE_INFINITY;
  let admittedAfter = 0;
  // Walk backwards, one microsecond at a time: a refused decision counts only what was admitted
  // strictly later (in the same microsecond the order is unknown, and nothing refilled).
  let index = ordered.length - 1;
  while (index >= 0) {
    const us = ordered[index]?.us;
    let first = index;
    while (first > 0 && ordered[first - 1]?.us === us) first--;
    const group = ordered.slice(first, index + 1);
    for (const decision of group) {
      if (decision.allowed) continue;
      const refill = Math.floor(decision.cost + (lastUs - decision.us) / intervalUs);
      worst = Math.max(worst, admittedAfter - refill);
    }
    for (const decision of group) if (decision.allowed) admittedAfter += decision.cost;
    index = first - 1;
  }
  return worst;
}
