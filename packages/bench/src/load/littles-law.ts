/**
 * How far the measured busy time may stray from connections × duration before a phase is
 * flagged: ±25 %. A phase cut off at its end loses the unfinished requests (about W / 2D of the
 * time at mean latency W and duration D: 5 % at W = 1 s, D = 10 s), and the client spends a
 * little time between a response and the next request; a quarter is far beyond both, and far
 * below what a latency figure that leaves requests out gives (the bench once read 0.2).
 */
export const littlesLawTolerance = 0.25;

/** What one load phase did, as Little's law needs it. */
export interface LittlesLawInput {
  connections: number;
  durationSeconds: number;
  /** Answered requests (every status), first requests of each connection included. */
  responses: number;
  /** Sum of the answered requests' latencies, ms. */
  latencySumMs: number;
  /** Requests the client gave up on: each held its connection for `timeoutMs`. */
  timeouts: number;
  timeoutMs: number;
  /** The client capped its request rate, so connections may idle between requests. */
  rateLimited: boolean;
}

/** The check's verdict for one phase. */
export interface LittlesLawCheck {
  /** Mean latency Little's law predicts: connections ÷ requests per second, ms. */
  expectedMeanMs: number;
  /** Mean time a request held its connection (timeouts at the timeout), ms. */
  measuredMeanMs: number;
  /**
   * measured ÷ expected: the share of connections × duration that the measured requests
   * account for. 1.0 when every connection was busy all the time and every request is counted.
   */
  busyRatio: number;
  /** `closed-loop`: |busyRatio − 1| ≤ tolerance; `rate-limited`: busyRatio ≤ 1 + tolerance. */
  rule: 'closed-loop' | 'rate-limited';
  tolerance: number;
  holds: boolean;
  /** One sentence, e.g. `busy 0.21 of 1000 connections × 8.0 s: mean 190 ms, expected 890 ms`. */
  message: string;
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(0));

/**
 * Little's law (L = λ·W) on a load phase. A closed-loop client (autocannon without a rate)
 * keeps every connection busy: each one sends its next request as soon as the last answer
 * arrives, so connections ÷ requests/s must equal the mean latency. When it does not, the
 * latency figures leave requests out, the load generator set the pace, or the phase was too
 * short for its latency. A rate-limited client leaves connections idle, so only the upper
 * bound holds: requests cannot be in flight longer than connections × duration.
 *
 * @example
 * checkLittlesLaw({ connections: 1000, durationSeconds: 8, responses: 8992, latencySumMs: 1.7e6,
 *   timeouts: 0, timeoutMs: 10_000, rateLimited: false }).holds; // false: busy 0.21
 */
export function checkLittlesLaw(input: LittlesLawInput, tolerance = littlesLawTolerance): LittlesLawCheck {
  const finished = input.responses + input.timeouts;
  const busyMs = input.latencySumMs + input.timeouts * input.timeoutMs;
  const rate = input.durationSeconds > 0 ? finished / input.durationSeconds : 0;
  const expectedMeanMs = rate > 0 ? (input.connections / rate) * 1_000 : Number.POSITIVE_INFINITY;
  const measuredMeanMs = finished > 0 ? busyMs / finished : 0;
  const capacityMs = input.connections * input.durationSeconds * 1_000;
  const busyRatio = capacityMs > 0 ? busyMs / capacityMs : 0;
  const rule = input.rateLimited ? 'rate-limited' : 'closed-loop';
  const holds =
    finished > 0 && busyRatio <= 1 + tolerance && (input.rateLimited || busyRatio >= 1 - tolerance);
  const figures = `busy ${busyRatio.toFixed(2)} of ${input.connections} connections × ${input.durationSeconds.toFixed(1)} s: mean ${ms(measuredMeanMs)} ms, expected ${Number.isFinite(expectedMeanMs) ? ms(expectedMeanMs) : '∞'} ms`;
  let message = figures;
  if (finished === 0) message = 'no request finished: nothing to check';
  else if (busyRatio > 1 + tolerance) message = `${figures}: more time in flight than the connections had`;
  else if (!holds)
    message = `${figures}: latencies leave requests out, or the load generator set the pace, or the phase is too short for its latency`;
  return { expectedMeanMs, measuredMeanMs, busyRatio, rule, tolerance, holds, message };
}
