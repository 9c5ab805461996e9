/** A platform limit: at most `count` messages in any `windowMs`. */
export interface RateLimit {
  count: number;
  windowMs: number;
}

/**
 * Decides when a sink may send next, so it never exceeds any of its platform's limits: sends
 * are spaced evenly (`windowMs / count` apart: a burst cannot use up a minute's allowance in
 * its first second and then wait out the rest), and a sliding log of recent sends is the hard
 * guarantee (even spacing alone allows `count + 1` sends in a closed window). Each window is widened by 5 %
 * (at least 50 ms) for clock and network jitter: DingTalk bans a robot for 10 minutes when it
 * counts a 21st message in a minute.
 *
 * @example
 * const pacer = new SendPacer([{ count: 20, windowMs: 60_000 }]);
 * const wait = pacer.delayMs(Date.now()); // 0 → send now, then pacer.record(Date.now())
 */
export class SendPacer {
  readonly #limits: readonly RateLimit[];
  readonly #spacingMs: number;
  // Send times, oldest first; as long as the largest count.
  readonly #sent: number[] = [];
  readonly #keep: number;
  #pausedUntil = 0;

  constructor(limits: readonly RateLimit[]) {
    this.#limits = limits;
    this.#spacingMs = Math.max(0, ...limits.map((limit) => limit.windowMs / limit.count));
    this.#keep = Math.max(1, ...limits.map((limit) => limit.count));
  }

  /** Milliseconds until the next send is allowed (0: now). */
  delayMs(now: number): number {
    let earliest = this.#pausedUntil;
    const last = this.#sent.at(-1);
    if (last !== undefined) earliest = Math.max(earliest, last + this.#spacingMs);
    for (const limit of this.#limits) {
      // The send `count` places back must have left the (widened) window.
      const boundary = this.#sent.at(-limit.count);
      if (boundary !== undefined && this.#sent.length >= limit.count) {
        earliest = Math.max(earliest, boundary + limit.windowMs + Math.max(50, limit.windowMs / 20));
      }
    }
    return Math.max(0, Math.ceil(earliest - now));
  }

  /** A send went out at `now`. */
  record(now: number): void {
    this.#sent.push(now);
    if (this.#sent.length > this.#keep) this.#sent.shift();
  }

  /** The platform asked us to back off: nothing goes out before `now + ms`. */
  pause(now: number, ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, now + ms);
  }
}
