/** Thrown at construction when options are wrong; the message names each bad field. */
export class GatewayOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayOptionsError';
  }
}

/**
 * The one way an options error is worded: `Invalid Ferry options — <field>: <problem>`, several
 * problems joined by `; `. Never quotes a value: options hold keys.
 *
 * @example
 * throw invalidOptions([['fallback.chain', 'no upstream is named "azure"']]);
 */
export function invalidOptions(
  problems: ReadonlyArray<readonly [field: string, problem: string]>,
): GatewayOptionsError {
  const text = problems.map(([field, problem]) => `${field || '(options)'}: ${problem}`).join('; ');
  return new GatewayOptionsError(`Invalid Ferry options — ${text}`);
}

/** `invalidOptions` for one field. */
export const invalidOption = (field: string, problem: string) => invalidOptions([[field, problem]]);
