import { createHash } from 'node:crypto';
import { type ResolvedOptions, upstreamList } from '../options.js';
import { limitsSchema } from '../policies/rate-limit/limits-options.js';
import type { GatewayContext } from '../types.js';
import type { ResolvedUpstreamOptions } from '../upstream/upstream-options.js';
import { canonicalBody } from './canonical-body.js';

/** Who may share answers: the client's tenant (else its key), or each key alone. */
export type AnswerScope = 'tenant' | 'key';

/** Routes whose answers are a function of the body: chat completions and embeddings. */
export const answerRoutes: ReadonlySet<string> = new Set(['/chat/completions', '/embeddings']);

/**
 * The identity of an upstream as far as its answers go: name, API base, deployments (their
 * names and bases: the same model at several origins), model map and configured headers. Keys
 * are left out (rotating a key does not change answers). Hashed once at construction.
 */
export function upstreamIdentity(upstream: ResolvedUpstreamOptions): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        upstream.name,
        upstream.url,
        (upstream.deployments ?? []).map((deployment, index) => [
          deployment.name ?? `d${index}`,
          deployment.url,
        ]),
        Object.entries(upstream.models).sort(),
        Object.entries(upstream.headers).sort(),
      ]),
    )
    .digest('hex');
}

/**
 * The caller's share of the cache. An anonymous caller of an open gateway is scoped by the
 * tenant header when it sends one (a front proxy that names tenants), else shares `-`.
 */
export function answerScope(context: GatewayContext, scope: AnswerScope, tenantHeader: string): string {
  const client = context.client;
  if (client === undefined) {
    const tenant = context.request.headers[tenantHeader];
    return typeof tenant === 'string' && tenant !== '' ? `h:${tenant.slice(0, 128)}` : '-';
  }
  if (scope === 'tenant' && client.tenant !== undefined) return `t:${client.tenant}`;
  return `k:${client.keyId}`;
}

/**
 * Returns the function that computes a request's exact-answer key once (`context.answerKey`):
 * hex SHA-256 over the scope, the primary upstream's identity, the endpoint and the canonical
 * body. Two tenants never share a key, nor two upstreams or deployments lists, so the cache
 * cannot leak an answer across teams or serve one model's answer for another.
 *
 * @example
 * const keyOf = createAnswerKey(upstreams[0], 'tenant', 'x-ferry-tenant');
 * keyOf(context); // 'a3f1…' or null
 */
export function createAnswerKey(
  primary: ResolvedUpstreamOptions | undefined,
  scope: AnswerScope,
  tenantHeader: string,
): (context: GatewayContext) => string | null {
  const identity = primary === undefined ? '-' : upstreamIdentity(primary);
  return (context) => {
    if (context.answerKey !== undefined) return context.answerKey;
    const body = context.body;
    const endpoint = context.route.path;
    const canonical =
      body === undefined || context.route.method !== 'POST' || !answerRoutes.has(endpoint)
        ? undefined
        : canonicalBody(body);
    context.answerKey =
      canonical === undefined
        ? null
        : createHash('sha256')
            .update(answerScope(context, scope, tenantHeader))
            .update('\n')
            .update(identity)
            .update('\n')
            .update(endpoint)
            .update('\n')
            .update(canonical)
            .digest('hex');
    return context.answerKey;
  };
}

/**
 * The answer key of a gateway's options, shared by the cache and coalescing: the first
 * upstream (the one routing serves from), the cache's `scope` (tenant when the cache is off),
 * and the tenant header of the limits.
 */
export function answerKeyFor(options: ResolvedOptions): (context: GatewayContext) => string | null {
  const tenantHeader = options.limits?.tenantHeader ?? limitsTenantHeaderDefault;
  return createAnswerKey(upstreamList(options)[0], options.cache?.scope ?? 'tenant', tenantHeader);
}

// The tenant header when `limits` is off: the limits schema's own default, not a copy of it.
const limitsTenantHeaderDefault = limitsSchema.parse({}).tenantHeader;
