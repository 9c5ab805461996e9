import type { JsonObject, Upstream } from '../../types.js';

/** True when `model` is in `patterns` (exact names, or a prefix before a trailing `*`). */
export function modelMatches(patterns: readonly string[], model: unknown): boolean {
  if (typeof model !== 'string') return false;
  for (const pattern of patterns) {
    if (pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : model === pattern) return true;
  }
  return false;
}

/**
 * The body this upstream accepts, for an OpenAI-compatible upstream: `max_tokens` renamed to
 * `max_completion_tokens` for the models that refuse the old name (OpenAI's reasoning models),
 * and the upstream's `dropParams` removed. Runs after the model map, so the rename follows the
 * model actually sent. Returns `body` itself when nothing changes: the client's bytes then go
 * upstream untouched.
 *
 * @example
 * upstreamRequestFields({ model: 'o3-mini', max_tokens: 50, messages }, upstream);
 * // { model: 'o3-mini', max_completion_tokens: 50, messages }
 */
export function upstreamRequestFields(body: JsonObject, upstream: Upstream): JsonObject {
  let out = body;
  if (
    body.max_tokens !== undefined &&
    upstream.maxCompletionTokensModels.length > 0 &&
    modelMatches(upstream.maxCompletionTokensModels, body.model)
  ) {
    out = { ...body };
    // A client that sent both meant the newer one.
    out.max_completion_tokens ??= out.max_tokens;
    delete out.max_tokens;
  }
  const drops = upstream.dropParams;
  for (let index = 0; index < drops.length; index++) {
    const name = drops[index] as string;
    if (out[name] === undefined) continue;
    if (out === body) out = { ...body };
    delete out[name];
  }
  return out;
}
