/**
 * Counters over a sliding window of fixed time slots: `add` is O(1) (one slot index, one
 * add; a slot is cleared when the clock first enters it again), `sum` walks the slots. Built
 * for listeners of the synchronous event stream, which must not allocate per event.
 *
 * @example
 * const window = new RollingWindow({ windowMs: 60_000, slotMs: 1_000, fields: 2 });
 * window.add(Date.now(), 0);      // one request
 * window.add(Date.now(), 1);      // ... that failed
 * window.sum(Date.now(), 1) / window.sum(Date.now(), 0); // error rate over the last minute
 */
export class RollingWindow {
  readonly slotMs: number;
  readonly slots: number;
  readonly fields: number;
  readonly #values: Float64Array;
  // The slot number (time / slotMs) each slot currently holds; -1: never used.
  readonly #epochs: Float64Array;

  constructor(settings: { windowMs: number; slotMs: number; fields: number }) {
    this.slotMs = settings.slotMs;
    this.slots = Math.max(1, Math.ceil(settings.windowMs / settings.slotMs));
    this.fields = settings.fields;
    this.#values = new Float64Array(this.slots * this.fields);
    this.#epochs = new Float64Array(this.slots).fill(-1);
  }

  add(now: number, field: number, amount = 1): void {
    const epoch = Math.floor(now / this.slotMs);
    const slot = epoch % this.slots;
    const offset = slot * this.fields;
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch;
      this.#values.fill(0, offset, offset + this.fields);
    }
    const values = this.#values;
    values[offset + field] = (values[offset + field] as number) + amount;
  }

  /** The total of `field` over the window ending at `now`. */
  sum(now: number, field: number): number {
    const current = Math.floor(now / this.slotMs);
    let total = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      const epoch = this.#epochs[slot] as number;
      if (epoch > current - this.slots && epoch <= current)
        total += this.#values[slot * this.fields + field] as number;
    }
    return total;
  }

  /**
   * One value per slot, oldest first, for the `slots` slots ending at `now` (0 for a slot that
   * saw nothing): the series the status page draws.
   */
  series(now: number, field: number): number[] {
    const current = Math.floor(now / this.slotMs);
    const values: number[] = [];
    for (let epoch = current - this.slots + 1; epoch <= current; epoch++) {
      const slot = ((epoch % this.slots) + this.slots) % this.slots;
      values.push(this.#epochs[slot] === epoch ? (this.#values[slot * this.fields + field] as number) : 0);
    }
    return values;
  }

  /** Runs `visit` with each live slot's offset into `values()`, oldest first (for histograms). */
  forEachSlot(now: number, visit: (offset: number, epoch: number, live: boolean) => void): void {
    const current = Math.floor(now / this.slotMs);
    for (let epoch = current - this.slots + 1; epoch <= current; epoch++) {
      const slot = ((epoch % this.slots) + this.slots) % this.slots;
      visit(slot * this.fields, epoch, this.#epochs[slot] === epoch);
    }
  }

  /** The raw slot values (read-only use: `forEachSlot` gives the offsets). */
  values(): Float64Array {
    return this.#values;
  }
}
