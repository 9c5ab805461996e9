/** A gateway route: what Ferry forwards and how it treats the body. */
export interface Route {
  /** Stable name used in logs and metrics, e.g. `chat.completions`. */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the API base, e.g. `/chat/completions`. */
  path: string;
  /** Has a JSON body that Ferry parses (model, stream flag, messages). */
  json: boolean;
}

/** The OpenAI endpoints Ferry forwards by default. */
export const knownRoutes: readonly Route[] = [
  { name: 'chat.completions', method: 'POST', path: '/chat/completions', json: true },
  { name: 'completions', method: 'POST', path: '/completions', json: true },
  { name: 'embeddings', method: 'POST', path: '/embeddings', json: true },
  { name: 'responses', method: 'POST', path: '/responses', json: true },
  { name: 'models', method: 'GET', path: '/models', json: false },
];

export type RouteMatch =
  | { kind: 'route'; route: Route }
  | { kind: 'wrong-method'; allowed: string }
  | { kind: 'unknown' };

/**
 * Matches `/v1/...` paths to routes. Built once; a lookup is one Map get, because it runs on
 * every request.
 */
export function createRouteTable(basePath: string, allowedPaths: readonly string[]) {
  const byPath = new Map<string, Route[]>();
  const add = (route: Route) => {
    const list = byPath.get(route.path) ?? [];
    list.push(route);
    byPath.set(route.path, list);
  };
  for (const route of knownRoutes) add(route);
  for (const path of allowedPaths) {
    const relative = path.startsWith(basePath) ? path.slice(basePath.length) : path;
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      if (byPath.get(relative)?.some((route) => route.method === method)) continue;
      add({ name: `allowed:${relative}`, method, path: relative, json: method === 'POST' });
    }
  }

  return {
    /** True when the path is inside Ferry's API base; adapters let everything else fall through. */
    owns(path: string): boolean {
      return path === basePath || path.startsWith(`${basePath}/`);
    },
    match(method: string, path: string): RouteMatch {
      // Without this check any prefix of the same length (`/v2/...`, `/xx/...`) would match.
      if (!path.startsWith(basePath)) return { kind: 'unknown' };
      const routes = byPath.get(path.slice(basePath.length));
      if (routes === undefined) return { kind: 'unknown' };
      for (const route of routes) if (route.method === method) return { kind: 'route', route };
      return { kind: 'wrong-method', allowed: routes.map((route) => route.method).join(', ') };
    },
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;
