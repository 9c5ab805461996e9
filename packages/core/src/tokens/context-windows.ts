/**
 * Context windows in tokens (prompt + completion) of common models, as OpenAI and Anthropic publish them.
 * Looked up by longest matching prefix, so dated snapshots (`gpt-4o-2024-08-06`) resolve to
 * their family. Overridable per model through `context.windowTokens`.
 */
export const defaultContextWindows: Readonly<Record<string, number>> = {
  'gpt-3.5-turbo': 16_385,
  'gpt-3.5-turbo-instruct': 4_096,
  'gpt-4': 8_192,
  'gpt-4-32k': 32_768,
  'gpt-4-turbo': 128_000,
  'gpt-4-1106': 128_000,
  'gpt-4-0125': 128_000,
  'gpt-4o': 128_000,
  'gpt-4o-mini': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-4.5': 128_000,
  'gpt-5': 400_000,
  o1: 200_000,
  'o1-mini': 128_000,
  o3: 200_000,
  'o4-mini': 200_000,
  // Anthropic's models: 200K tokens (Sonnet 4 and 4.5 reach 1M only with a beta header).
  claude: 200_000,
  'text-embedding-3-small': 8_191,
  'text-embedding-3-large': 8_191,
  'text-embedding-ada-002': 8_191,
};

/**
 * Builds the lookup once; a lookup walks the model name's prefixes, longest first.
 *
 * @example
 * const windowOf = createContextWindowTable({ 'my-llama': 8_192 }, 128_000);
 * windowOf('gpt-4o-2024-08-06'); // 128000
 */
export function createContextWindowTable(
  overrides: Readonly<Record<string, number>>,
  fallbackTokens: number,
): (model: string | undefined) => number {
  const table = new Map(Object.entries({ ...defaultContextWindows, ...overrides }));
  // Resolved names are remembered (bounded: model names come from clients).
  const resolved = new Map<string, number>();
  return (model) => {
    if (model === undefined) return fallbackTokens;
    let tokens = resolved.get(model);
    if (tokens === undefined) {
      tokens = lookupByPrefix(table, model) ?? fallbackTokens;
      if (resolved.size < 1_000) resolved.set(model, tokens);
    }
    return tokens;
  };
}

/** The value of the longest key that `name` starts with (at a `-`, `.` or `:` boundary, or whole). */
export function lookupByPrefix<T>(table: ReadonlyMap<string, T>, name: string | undefined): T | undefined {
  if (name === undefined) return undefined;
  const exact = table.get(name);
  if (exact !== undefined) return exact;
  let best: T | undefined;
  let bestLength = 0;
  for (const [key, value] of table) {
    if (key.length > bestLength && name.startsWith(key) && /[-.:]/.test(name.charAt(key.length))) {
      best = value;
      bestLength = key.length;
    }
  }
  return best;
}
