/**
 * Splits `total` into whole parts proportional to `weights` that sum to exactly `total`
 * (largest remainder: each part is rounded down, then the parts with the largest fractions get
 * one more, earlier parts first on ties). With no weight at all, parts are equal.
 *
 * @example
 * allocate(10, [1, 1, 1]); // [4, 3, 3]
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const count = weights.length;
  if (count === 0) return [];
  let sum = 0;
  for (const weight of weights) sum += weight;
  const shares = sum > 0 ? weights : weights.map(() => 1);
  const weightSum = sum > 0 ? sum : count;
  const parts = new Array<number>(count);
  const fractions: Array<[number, number]> = [];
  let given = 0;
  for (let index = 0; index < count; index++) {
    const exact = (total * (shares[index] as number)) / weightSum;
    const part = Math.floor(exact);
    parts[index] = part;
    given += part;
    fractions.push([exact - part, index]);
  }
  fractions.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let index = 0; given < total; index++, given++) {
    const target = (fractions[index % count] as [number, number])[1];
    parts[target] = (parts[target] as number) + 1;
  }
  return parts;
}
