import type { Handler, Policy } from '../types.js';

/**
 * Wraps `terminal` in the policies, first listed = outermost. Done once at construction, so a
 * request pays one function call per policy and nothing else.
 *
 * @example
 * const pipeline = compose([authenticate(keys), parseBody()], forward);
 */
export function compose(policies: readonly Policy[], terminal: Handler): Handler {
  let handler = terminal;
  for (let index = policies.length - 1; index >= 0; index--) handler = (policies[index] as Policy)(handler);
  return handler;
}
