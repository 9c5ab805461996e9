import type { Feature } from '../../feature.js';
import type { ResolvedOptions } from '../../options.js';
import { admit } from './admit.js';
import { type LimitsOptions, limitsSchema } from './limits-options.js';
import { reserveTokens } from './reserve-tokens.js';

/**
 * Rate limits (docs/governance.md): requests per window and concurrency at `admit`, before the
 * body is parsed, and token reservations at `reserve`. Limits a client carries in
 * `clients[].limits` turn it on even without a global `limits` option.
 */
export const rateLimitFeature: Feature = {
  name: 'rate-limit',
  stages: ['admit', 'reserve'],
  options: { limits: limitsSchema },
  setup(setup) {
    const limits = limitsOf(setup.options);
    if (limits === undefined) return undefined;
    return { policies: { admit: admit(limits, setup), reserve: reserveTokens(limits, setup) } };
  },
};

function limitsOf({ limits, clients }: ResolvedOptions): LimitsOptions | undefined {
  if (limits !== undefined) return limits;
  const anyClientLimit = clients.some(
    (client) =>
      client.limits.requestsPerMinute !== undefined ||
      client.limits.tokensPerMinute !== undefined ||
      client.limits.concurrentRequests !== undefined,
  );
  return anyClientLimit ? limitsSchema.parse({}) : undefined;
}
