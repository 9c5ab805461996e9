/**
 * Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a uniformly random wait in [0, min(cap, base * 2^(retry-1))]. The spread keeps many clients
 * that failed together from retrying together.
 *
 * @example
 * backoffMs(1, 1000, 10_000); // somewhere in [0, 1000]
 * backoffMs(5, 1000, 10_000); // somewhere in [0, 10000]
 */
export function backoffMs(retry: number, baseMs: number, capMs: number, random: () => number = Math.random) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(retry - 1, 30));
  return Math.floor(random() * ceiling);
}
