import { type Stage, stages } from '../stages.js';
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

/**
 * Composes policies placed at stages: ordered by the stage list (`stages.ts`), and within one
 * stage in the order given (embedders' policies come first, so they wrap Ferry's own).
 *
 * @example
 * const pipeline = composeStages([{ stage: 'route', policy: router }, { stage: 'admit', policy: limits }], forward);
 */
export function composeStages(
  staged: ReadonlyArray<{ stage: Stage; policy: Policy }>,
  terminal: Handler,
): Handler {
  const order = (stage: Stage) => stages.indexOf(stage);
  // Array.prototype.sort is stable, so the given order survives inside a stage.
  const sorted = [...staged].sort((left, right) => order(left.stage) - order(right.stage));
  return compose(
    sorted.map((entry) => entry.policy),
    terminal,
  );
}
