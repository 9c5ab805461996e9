/** A gateway route: what Ferry forwards and how it treats the body. */
export interface Route {
  /** Stable name used in logs and metrics, e.g. `chat.completions`. */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the API base, e.g. `/chat/completions`. */
  path: string;
  /** Has a JSON body that Ferry parses (model, stream flag, messages). */
  json: boolean;
  /** A WebSocket endpoint (`GET /v1/realtime` upgrades): the pipeline ends in a session, not a forward. */
  websocket?: boolean;
}

/** The OpenAI endpoints Ferry forwards by default. */
export const knownRoutes: readonly Route[] = [
  { name: 'chat.completions', method: 'POST', path: '/chat/completions', json: true },
  { name: 'completions', method: 'POST', path: '/completions', json: true },
  { name: 'embeddings', method: 'POST', path: '/embeddings', json: true },
  { name: 'responses', method: 'POST', path: '/responses', json: true },
  { name: 'models', method: 'GET', path: '/models', json: false },
  // The Anthropic Messages API, served as chat completions (conversions/anthropic-ingress).
  { name: 'messages', method: 'POST', path: '/messages', json: true },
];

export type RouteMatch =
  | { kind: 'route'; route: Route }
  | { kind: 'wrong-method'; allowed: string }
  | { kind: 'unknown' };

/** `allowedPaths` entries: exact paths, or a prefix ending in `/*` (one or more segments below it). */
export const allowedPathPattern = /^(?:\/(?!\.{1,2}(?:\/|$))[^/*?#\s%\\]+)+(?:\/\*)?$/;

/**
 * What a wildcard may not match: dot segments (also percent-encoded), empty segments, encoded
 * slashes and backslashes. The upstream may normalise or decode them into another endpoint
 * (`/files/../chat/completions`), which Ferry would then forward without accounting for it.
 */
const unsafeRest = /\/(?:\.|%2e){1,2}(?=\/|$)|\/\/|\/$|%2f|%5c|\\/i;

const methods = ['GET', 'POST', 'DELETE'] as const;

/**
 * Matches `/v1/...` paths to routes. Built once; a lookup is one Map get (then, only for paths
 * no exact route knows, one `startsWith` per wildcard entry), because it runs on every request.
 */
export function createRouteTable(basePath: string, allowedPaths: readonly string[]) {
  const byPath = new Map<string, Route[]>();
  const prefixes: Array<{ prefix: string; routes: Route[] }> = [];
  const add = (route: Route) => {
    const list = byPath.get(route.path) ?? [];
    list.push(route);
    byPath.set(route.path, list);
  };
  for (const route of knownRoutes) add(route);
  for (const path of allowedPaths) {
    const relative = path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path;
    if (relative.endsWith('/*')) {
      const prefix = relative.slice(0, -2);
      if (prefixes.some((entry) => entry.prefix === prefix)) continue;
      const routes = methods.map((method) => ({
        name: `allowed:${relative}`,
        method,
        path: relative,
        json: method === 'POST',
      }));
      prefixes.push({ prefix, routes });
      continue;
    }
    for (const method of methods) {
      if (byPath.get(relative)?.some((route) => route.method === method)) continue;
      add({ name: `allowed:${relative}`, method, path: relative, json: method === 'POST' });
    }
  }
  // The most specific prefix decides.
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);

  const matchRoutes = (method: string, routes: readonly Route[]): RouteMatch => {
    for (const route of routes) if (route.method === method) return { kind: 'route', route };
    return { kind: 'wrong-method', allowed: routes.map((route) => route.method).join(', ') };
  };

  return {
    /** True when the path is inside Ferry's API base; adapters let everything else fall through. */
    owns(path: string): boolean {
      return path === basePath || path.startsWith(`${basePath}/`);
    },
    match(method: string, path: string): RouteMatch {
      // Without this check any prefix of the same length (`/v2/...`, `/xx/...`) would match.
      if (!path.startsWith(basePath)) return { kind: 'unknown' };
      const relative = path.slice(basePath.length);
      const routes = byPath.get(relative);
      if (routes !== undefined) return matchRoutes(method, routes);
      for (const { prefix, routes: prefixRoutes } of prefixes) {
        // `prefix/` plus at least one character, and nothing the upstream could resolve elsewhere.
        if (
          relative.length > prefix.length + 1 &&
          relative.startsWith(prefix) &&
          relative.charCodeAt(prefix.length) === 47 &&
          !unsafeRest.test(relative.slice(prefix.length))
        ) {
          return matchRoutes(method, prefixRoutes);
        }
      }
      return { kind: 'unknown' };
    },
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;
