import { GatewayError } from '../../errors.js';

/**
 * OpenAI's own 400 for a request that does not fit the model's window.
 *
 * @example
 * throw contextLengthExceeded(8_192, 9_000, 2_000);
 */
export function contextLengthExceeded(
  windowTokens: number,
  promptTokens: number,
  completionTokens: number,
  /** The prompt was counted only until it passed a cap: the figures are lower bounds. */
  atLeast = false,
) {
  const more = atLeast ? 'more than ' : '';
  return new GatewayError(
    'context_length_exceeded',
    `This model's maximum context length is ${windowTokens} tokens. However, you requested ${more}${
      promptTokens + completionTokens
    } tokens (${more}${promptTokens} in the messages, ${completionTokens} in the completion). Please reduce the length of the messages or completion.`,
    { param: 'messages' },
  );
}
