import type { GatewayOptions } from '@ferry/core';
import { SettingsError } from './settings-error.js';

/**
 * The configured features that keep their state in this process's memory: without `redis`,
 * each worker would count limits, pace the upstream, remember nonces and spend on its own, so
 * every figure would silently multiply by the number of workers.
 *
 * @example
 * processLocalState({ limits: { requests: { limit: 100 } } }); // ['limits']
 */
export function processLocalState(options: GatewayOptions): string[] {
  if (options.redis !== undefined) {
    // Conversations kept in memory stay per process even with Redis.
    return options.conversations !== undefined && (options.conversations.store ?? 'memory') === 'memory'
      ? ['conversations (store: memory)']
      : [];
  }
  const local: string[] = [];
  if (options.limits !== undefined) local.push('limits');
  const counted = (limits: Record<string, unknown> | undefined) =>
    limits !== undefined &&
    ['requestsPerMinute', 'tokensPerMinute', 'concurrentRequests'].some(
      (field) => limits[field] !== undefined,
    );
  if (options.clients?.some((client) => counted(client.limits))) local.push('clients[].limits');
  if (options.pacing !== undefined) local.push('pacing');
  if (options.signing !== undefined) local.push('signing (nonces)');
  if (options.budgets !== undefined) local.push('budgets');
  if (options.conversations !== undefined && options.conversations.store !== 'postgres') {
    local.push('conversations');
  }
  return local;
}

/**
 * Refuses more than one worker when any feature's state would be per process (see
 * `processLocalState`), with a message naming the features and the fix.
 *
 * @example
 * refuseProcessLocalState(options, 4); // throws SettingsError when limits are set without redis
 */
export function refuseProcessLocalState(options: GatewayOptions, workers: number): void {
  if (workers <= 1) return;
  const local = processLocalState(options);
  if (local.length === 0) return;
  throw new SettingsError(
    `FERRY_WORKERS=${workers} runs ${workers} processes, but ${local.join(', ')} would keep ` +
      `their state in each process's memory, multiplying every limit by ${workers}: ` +
      'configure "redis" (and a shared conversation store), or run one worker',
  );
}
