/** What an arm is for: reports group arms by role and ratios use the baselines. */
export type ArmRole = 'baseline' | 'ferry' | 'peer' | 'external';

/** The arms the bench starts itself, each in its own process. */
export const armKinds = [
  'direct',
  'node-floor',
  'ferry-core',
  'ferry-server',
  'ferry-express',
  'ferry-front-express',
  'ferry-koa',
  'ferry-full',
  'http-proxy-middleware',
  'fastify-reply-from',
  'nginx',
] as const;
export type ArmKind = (typeof armKinds)[number];

/** A short description per arm kind, printed in reports. */
export const armDescriptions: Record<ArmKind, string> = {
  direct: 'the mock upstream itself, no proxy',
  'node-floor': 'node:http + undici Pool: the least a Node proxy can do',
  'ferry-core': 'Ferry core through node:http and the Node bridge, passthrough, with acceptLanes',
  'ferry-server': 'the standalone `ferry` server as `pnpm start` runs it: logging and metrics on',
  'ferry-express': 'Ferry mounted in Express 5 with app.use(ferry(...)), passthrough, with acceptLanes',
  'ferry-front-express':
    'Ferry in front of an Express 5 app at the HTTP server, withGateway(gateway, app), passthrough, with acceptLanes',
  'ferry-koa': 'Ferry mounted in Koa 3 with app.use(ferry(...)), passthrough, with acceptLanes',
  'ferry-full': 'Ferry core with every policy enabled (see full-pipeline.ts), with acceptLanes',
  'http-proxy-middleware': 'http-proxy-middleware 3 on node:http, keep-alive agent',
  'fastify-reply-from': 'Fastify 5 + @fastify/reply-from (undici)',
  nginx: 'nginx reverse proxy, one worker, upstream keep-alive',
};

export const roleOf = (kind: ArmKind): ArmRole => {
  if (kind === 'direct' || kind === 'node-floor') return 'baseline';
  if (kind.startsWith('ferry-')) return 'ferry';
  return 'peer';
};

/** Peers written in Node: the ones Ferry must be ahead of. */
export const isNodePeer = (kind: string): boolean =>
  kind === 'http-proxy-middleware' || kind === 'fastify-reply-from';
