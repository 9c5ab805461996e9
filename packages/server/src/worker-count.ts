import { availableParallelism } from 'node:os';
import { SettingsError } from './settings-error.js';

/**
 * How many worker processes `FERRY_WORKERS` asks for: a whole number from 1, or `auto` for the
 * cores this process may use (`os.availableParallelism()`). Unset or empty: 1, one process and
 * no cluster. Anything else is a `SettingsError` (the command exits 2).
 *
 * @example
 * workerCount({ FERRY_WORKERS: 'auto' }); // 2 on a 2-core machine
 */
export function workerCount(environment: NodeJS.ProcessEnv): number {
  const value = environment.FERRY_WORKERS?.trim();
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_024) {
    throw new SettingsError(
      `FERRY_WORKERS must be a number of processes from 1 or "auto", not ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}
