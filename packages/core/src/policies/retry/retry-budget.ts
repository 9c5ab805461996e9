/**
 * Caps retries in flight at a share of requests in flight (Envoy's retry budget), with a
 * floor so a quiet gateway can still retry. During an outage every request fails at once;
 * without a budget each would retry and multiply the load on an upstream that is down.
 *
 * @example
 * const budget = new RetryBudget(20, 3);
 * budget.enter();                     // a request starts
 * if (budget.tryAcquire()) { ...; budget.release(); }
 * budget.leave();
 */
export class RetryBudget {
  #active = 0;
  #retrying = 0;

  constructor(
    private readonly percent: number,
    private readonly minimum: number,
  ) {}

  /** A request entered the retry stage. */
  enter(): void {
    this.#active++;
  }

  /** A request left the retry stage. */
  leave(): void {
    this.#active--;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryAcquire(): boolean {
    const allowed = Math.max(this.minimum, Math.floor((this.#active * this.percent) / 100));
    if (this.#retrying >= allowed) return false;
    this.#retrying++;
    return true;
  }

  /** A retry finished (whatever its outcome). */
  release(): void {
    this.#retrying--;
  }

  /** For metrics and tests. */
  get snapshot() {
    return { active: this.#active, retrying: this.#retrying };
  }
}

/**
 * The budget of one instance in a fleet of `instances`: the percentage holds for the fleet as it
 * holds for each instance, but the floor would multiply by the instance count, so each instance
 * takes its share of it (rounded up, so a small fleet can still retry).
 *
 * @example
 * fleetRetryBudget(20, 3, 3); // 20 %, floor 1 per instance
 */
export function fleetRetryBudget(percent: number, minimum: number, instances: number): RetryBudget {
  return new RetryBudget(percent, Math.ceil(minimum / Math.max(1, instances)));
}
