import { GatewayError } from '../errors.js';
import type { Policy } from '../types.js';
import type { InputLimitsOptions } from './input-limits-options.js';

const completionFields = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

const invalid = (param: string, message: string) => new GatewayError('invalid_value', message, { param });

/**
 * Rejects bodies no upstream should be asked to serve — an absurd `max_tokens`, `n` or
 * message count — with 400 before any upstream call, token count or reservation: a hostile
 * client must not be able to reserve a whole minute's token budget with one request.
 *
 * @example
 * policies.push(inputLimits({ maxCompletionTokens: 262_144, maxChoices: 128, maxMessages: 2_048 }));
 */
export function inputLimits(limits: InputLimitsOptions): Policy {
  return (next) => (context) => {
    const body = context.body;
    if (body === undefined) return next(context);
    // A client's own `limits.maxTokensPerRequest` is stricter than the gateway-wide bound.
    const maxCompletion = Math.min(
      limits.maxCompletionTokens,
      context.client?.limits?.maxTokensPerRequest ?? Number.POSITIVE_INFINITY,
    );
    for (const name of completionFields) {
      const value = body[name];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw invalid(name, `"${name}" must be a positive integer.`);
      }
      if (value > maxCompletion) {
        throw invalid(name, `"${name}" is ${value}; at most ${maxCompletion} is accepted.`);
      }
    }
    const choices = body.n;
    if (choices !== undefined && choices !== null) {
      if (typeof choices !== 'number' || !Number.isInteger(choices) || choices < 1) {
        throw invalid('n', '"n" must be a positive integer.');
      }
      if (choices > limits.maxChoices)
        throw invalid('n', `"n" is ${choices}; at most ${limits.maxChoices} is accepted.`);
    }
    const messages = body.messages;
    if (messages !== undefined) {
      if (!Array.isArray(messages)) throw invalid('messages', '"messages" must be an array.');
      if (messages.length > limits.maxMessages) {
        throw invalid('messages', `${messages.length} messages; at most ${limits.maxMessages} are accepted.`);
      }
    }
    return next(context);
  };
}
