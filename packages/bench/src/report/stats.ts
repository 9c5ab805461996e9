/** A figure over rounds: the median, and the lowest and highest round. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median with min–max; undefined when no round had the figure. */
export function spread(values: ReadonlyArray<number | undefined>): Spread | undefined {
  const present = values.filter((value): value is number => value !== undefined && Number.isFinite(value));
  if (present.length === 0) return undefined;
  return { median: median(present), min: Math.min(...present), max: Math.max(...present) };
}

/** Nearest-rank percentile of an ascending list (0 < p ≤ 100). */
export function percentileOfSorted(sorted: ArrayLike<number>, percentile: number): number {
  if (sorted.length === 0) return Number.NaN;
  // The epsilon keeps 99.9% of 1000 at rank 999: the float product is 999.0000000000001.
  const rank = Math.ceil((percentile * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Percentiles and a coarse histogram of a list of samples in milliseconds. */
export interface SampleStats {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  /** Upper bound of each bucket in ms (the last is Infinity, written as null in JSON) and its count. */
  histogram: Array<{ upToMs: number | null; count: number }>;
}

const bucketBounds = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 50, 100, Number.POSITIVE_INFINITY];

/** Summarises raw samples; undefined when there are none. */
export function sampleStats(samples: Float64Array | number[]): SampleStats | undefined {
  if (samples.length === 0) return undefined;
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const counts = new Array<number>(bucketBounds.length).fill(0);
  let bucket = 0;
  for (const value of sorted) {
    while (value > (bucketBounds[bucket] as number)) bucket++;
    counts[bucket] = (counts[bucket] as number) + 1;
  }
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    p99_9: percentileOfSorted(sorted, 99.9),
    max: sorted[sorted.length - 1] as number,
    histogram: bucketBounds.map((bound, index) => ({
      upToMs: Number.isFinite(bound) ? bound : null,
      count: counts[index] as number,
    })),
  };
}

/** A growable list of float samples without boxing every number. */
export class SampleBuffer {
  private values = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  toArray(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}
