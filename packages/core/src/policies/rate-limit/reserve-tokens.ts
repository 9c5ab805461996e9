import type { FeatureSetup } from '../../feature.js';
import { promptTokensOf, requestedCompletionTokens } from '../../tokens/count-prompt-tokens.js';
import type { Policy } from '../../types.js';
import { createLimitKey } from './limit-key.js';
import { defaultCompletionTokens, type LimitsOptions } from './limits-options.js';
import { rateLimitExceeded } from './rate-limit-error.js';
import { writeLimitHeaders } from './rate-limit-headers.js';
import { createLimiterFamily } from './window-limiter.js';

/**
 * The reserve stage of the token limit: reserves prompt + `max_tokens` (or the configured
 * default) before the call, then settles against the upstream's reported usage, or the local
 * count of what was streamed when the stream was cut: unused tokens go back (inside the same
 * window), extra tokens are charged. A failed upstream call gives the whole reservation back.
 *
 * @example
 * policies.push(reserveTokens(options.limits, setup));
 */
export function reserveTokens(limits: LimitsOptions, setup: FeatureSetup): Policy {
  const keyOf = createLimitKey(limits);
  const tokenLimits = createLimiterFamily(
    {
      name: 'tokens' as const,
      redis: setup.stores.redis,
      keyPrefix: setup.stores.keyPrefix,
      storeTimeoutMs: limits.storeTimeoutMs,
      instances: setup.options.redis?.instances,
    },
    limits.tokens,
  );
  const defaultCompletion = limits.tokens?.defaultCompletionTokens ?? defaultCompletionTokens;

  return (next) => async (context) => {
    const tokens = tokenLimits.for(context.client?.limits?.tokensPerMinute);
    if (context.body === undefined || tokens === undefined) return next(context);
    const key = keyOf(context);
    // A prompt above the whole limit is refused anyway: counting may stop there.
    const prompt = await promptTokensOf(context, tokens.limit);
    const reserved =
      prompt +
      (context.route.name === 'embeddings'
        ? 0
        : (requestedCompletionTokens(context.body) ?? defaultCompletion));
    context.record.reservedTokens = reserved;
    if (reserved > tokens.limit) {
      writeLimitHeaders(context.responseHeaders, tokens, { remaining: tokens.limit, resetMs: 0 });
      throw rateLimitExceeded(
        'tokens',
        tokens.limit,
        tokens.windowSeconds,
        tokens.windowSeconds * 1_000,
        reserved,
      );
    }
    const outcome = await tokens.consume(key, reserved);
    writeLimitHeaders(context.responseHeaders, tokens, outcome);
    if (!outcome.allowed) {
      // The rejected reservation was added to the count: take it out again.
      await tokens.refund(key, reserved, outcome);
      throw rateLimitExceeded(
        'tokens',
        tokens.limit,
        tokens.windowSeconds,
        outcome.retryAfterMs ?? outcome.resetMs,
        reserved,
      );
    }
    try {
      const response = await next(context);
      context.onSettle((usage, _failure, status) => {
        const used = status >= 400 ? 0 : (usage?.totalTokens ?? reserved);
        context.record.settledTokens = used;
        if (used < reserved) void tokens.refund(key, reserved - used, outcome);
        else void tokens.charge(key, used - reserved, outcome);
      });
      return response;
    } catch (error) {
      await tokens.refund(key, reserved, outcome);
      throw error;
    }
  };
}
