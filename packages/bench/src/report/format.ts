import type { LittlesLawSummary } from './report-types.js';
import type { Spread } from './stats.js';

/** `12.3` / `0.84` / `1234`: enough digits to compare, no more. */
export function number(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** `123 (110–130)`: the median and the range over rounds. */
export function spreadText(value: Spread | undefined, unit = ''): string {
  if (value === undefined) return '–';
  if (value.min === value.max) return `${number(value.median)}${unit}`;
  return `${number(value.median)}${unit} (${number(value.min)}–${number(value.max)})`;
}

export const ratioText = (value: Spread | undefined): string => {
  if (value === undefined) return '–';
  const median = `${value.median.toFixed(2)}x`;
  return value.min === value.max ? median : `${median} (${value.min.toFixed(2)}–${value.max.toFixed(2)})`;
};

export const megabytes = (bytes: number | undefined): string =>
  bytes === undefined ? '–' : `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export const signedMs = (value: Spread | undefined): string => {
  if (value === undefined) return '–';
  const sign = (n: number) => (n >= 0 ? `+${number(n)}` : number(n));
  return `${sign(value.median)} (${sign(value.min)}…${sign(value.max)})`;
};

/** `ok 0.97` or `FLAGGED 0.21 (round 2)`: Little's law over an arm's rounds. */
export const littleText = (summary: LittlesLawSummary | undefined): string => {
  if (summary === undefined) return '–';
  const ratio = summary.busyRatio === undefined ? '–' : spreadText(summary.busyRatio);
  if (summary.failedRounds.length === 0) return `ok ${ratio}`;
  const rounds = summary.failedRounds.length === 1 ? 'round' : 'rounds';
  return `FLAGGED ${ratio} (${rounds} ${summary.failedRounds.join(', ')})`;
};
