import { Pool } from 'undici';
import type { ResolvedOptions, ResolvedUpstreamOptions } from '../options.js';
import type { Upstream } from '../types.js';
import { createConnector } from './egress/connector.js';
import { HostResolver } from './egress/host-resolver.js';

export type { Upstream } from '../types.js';

/**
 * The egress connector of one upstream: its address map and DoH, the private-address guard,
 * its CONNECT proxy and CA, within its connect timeout. Its pool uses one; a WebSocket to the
 * same upstream uses another built the same way.
 *
 * @example
 * const connect = upstreamConnector(resolvedUpstream, resolvedOptions);
 */
export function upstreamConnector(upstream: ResolvedUpstreamOptions, defaults: ResolvedOptions) {
  return createConnector({
    upstreamName: upstream.name,
    local: upstream.local,
    resolver: new HostResolver({ addresses: upstream.addresses, dns: upstream.dns }),
    connectTimeoutMs: upstream.connectTimeoutMs ?? defaults.connectTimeoutMs,
    proxy: upstream.proxy === undefined ? undefined : new URL(upstream.proxy.url),
    ca: upstream.ca,
  });
}

/**
 * Creates the runtime upstream with one keep-alive pool. One pool per upstream, sized for the
 * gateway's concurrency: a small pool caps throughput at `connections / upstream latency`.
 */
export function createUpstream(upstream: ResolvedUpstreamOptions, defaults: ResolvedOptions): Upstream {
  const url = new URL(upstream.url);
  const firstByteTimeoutMs = upstream.firstByteTimeoutMs ?? defaults.firstByteTimeoutMs;
  const idleTimeoutMs = upstream.idleTimeoutMs ?? defaults.idleTimeoutMs;
  // Resolution (address map, DoH), the private-address guard and the egress proxy: egress/.
  // Shared by the pool and by WebSocket sessions to this upstream.
  const connect = upstreamConnector(upstream, defaults);
  const pool = new Pool(url.origin, {
    connections: upstream.connections ?? defaults.connections,
    pipelining: 1,
    keepAliveTimeout: upstream.keepAliveTimeoutMs ?? defaults.keepAliveTimeoutMs,
    connect,
    headersTimeout: firstByteTimeoutMs,
    // An idle timer between chunks. undici does not fire it while the body is paused by
    // backpressure, so a slow client cannot make a healthy upstream look stalled.
    bodyTimeout: idleTimeoutMs,
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream.headers)) headers[name.toLowerCase()] = value;
  return {
    name: upstream.name,
    type: upstream.type,
    dropParams: upstream.dropParams,
    maxCompletionTokensModels: upstream.maxCompletionTokensModels,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    authorization: upstream.apiKey === undefined ? undefined : `Bearer ${upstream.apiKey}`,
    headers,
    firstByteTimeoutMs,
    idleTimeoutMs,
    pool,
    connect,
  };
}
