import type { AnthropicUsage } from './anthropic-types.js';
import type { ChatUsage } from './openai-chat-types.js';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * Anthropic usage as OpenAI usage. Anthropic's `input_tokens` EXCLUDES the tokens read from and
 * written to the prompt cache, OpenAI's `prompt_tokens` INCLUDES them, so
 * `prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens`, and
 * `prompt_tokens_details.cached_tokens` is the cache reads only (writes are billed higher, not lower).
 *
 * @example
 * anthropicUsageToOpenAI({ input_tokens: 10, cache_read_input_tokens: 100, output_tokens: 5 });
 * // { prompt_tokens: 110, completion_tokens: 5, total_tokens: 115, prompt_tokens_details: { cached_tokens: 100 } }
 */
export function anthropicUsageToOpenAI(usage: Partial<AnthropicUsage>): ChatUsage {
  const cacheRead = count(usage.cache_read_input_tokens);
  const prompt = count(usage.input_tokens) + cacheRead + count(usage.cache_creation_input_tokens);
  const completion = count(usage.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
}

/**
 * OpenAI usage as Anthropic usage: the reverse split. `cache_write_tokens` (sent by a few
 * compatible providers) becomes `cache_creation_input_tokens`; OpenAI itself reports no writes.
 *
 * @example
 * openaiUsageToAnthropic({ prompt_tokens: 110, completion_tokens: 5, total_tokens: 115, prompt_tokens_details: { cached_tokens: 100 } });
 * // { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 5 }
 */
export function openaiUsageToAnthropic(usage: Partial<ChatUsage> | null | undefined): AnthropicUsage {
  const cacheRead = count(usage?.prompt_tokens_details?.cached_tokens);
  const cacheWrite = count(usage?.prompt_tokens_details?.cache_write_tokens);
  return {
    input_tokens: Math.max(0, count(usage?.prompt_tokens) - cacheRead - cacheWrite),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: count(usage?.completion_tokens),
  };
}
