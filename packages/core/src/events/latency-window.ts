import { RollingWindow } from './rolling-window.js';

// Log-spaced buckets, 10 % wide, from 1 ms to about 10 minutes: a percentile read from them is
// within 10 % of the true value, and recording one duration is one logarithm and one add.
const growth = 1.1;
const logGrowth = Math.log(growth);
const bucketCount = Math.ceil(Math.log(600_000) / logGrowth) + 1;

const bucketOf = (ms: number) =>
  ms <= 1 ? 0 : Math.min(bucketCount - 1, Math.ceil(Math.log(ms) / logGrowth));
const upperBoundOf = (bucket: number) => growth ** bucket;

/**
 * Durations over a sliding window, as per-slot histograms: percentiles of the whole window or
 * of each slot (the status page's charts), to within one bucket (10 %).
 *
 * @example
 * const latency = new LatencyWindow({ windowMs: 300_000, slotMs: 5_000 });
 * latency.record(Date.now(), 412);
 * latency.percentile(Date.now(), 0.99); // ≈ 412
 */
export class LatencyWindow {
  readonly #window: RollingWindow;

  constructor(settings: { windowMs: number; slotMs: number }) {
    this.#window = new RollingWindow({ ...settings, fields: bucketCount });
  }

  record(now: number, durationMs: number): void {
    this.#window.add(now, bucketOf(durationMs));
  }

  /** The `quantile` (0.99 for P99) over the window, in ms; undefined with no samples. */
  percentile(now: number, quantile: number): number | undefined {
    const totals = new Float64Array(bucketCount);
    const values = this.#window.values();
    this.#window.forEachSlot(now, (offset, _epoch, live) => {
      if (!live) return;
      for (let bucket = 0; bucket < bucketCount; bucket++)
        totals[bucket] = (totals[bucket] as number) + (values[offset + bucket] as number);
    });
    return quantileOf(totals, 0, quantile);
  }

  /** The `quantile` of each slot, oldest first; null for a slot without samples. */
  series(now: number, quantile: number): Array<number | null> {
    const values = this.#window.values();
    const points: Array<number | null> = [];
    this.#window.forEachSlot(now, (offset, _epoch, live) => {
      points.push(live ? (quantileOf(values, offset, quantile) ?? null) : null);
    });
    return points;
  }
}

function quantileOf(counts: Float64Array, offset: number, quantile: number): number | undefined {
  let total = 0;
  for (let bucket = 0; bucket < bucketCount; bucket++) total += counts[offset + bucket] as number;
  if (total === 0) return undefined;
  const rank = Math.ceil(total * quantile);
  let seen = 0;
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    seen += counts[offset + bucket] as number;
    if (seen >= rank) return Math.round(upperBoundOf(bucket));
  }
  return Math.round(upperBoundOf(bucketCount - 1));
}
