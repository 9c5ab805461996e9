import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus the ones undici
 * refuses or computes itself. Never forwarded in either direction.
 */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'content-length',
]);

/**
 * The client's credentials and the gateway's own control headers. Upstream keys live only on
 * the server; what the client authenticated with must not travel on.
 */
const neverUpstream = new Set([
  ...hopByHop,
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'cookie',
  // The upstream leg is ours to negotiate: response taps need plain bytes.
  'accept-encoding',
]);

const isPrivateToFerry = (name: string) => name.startsWith('x-ferry-') || name.startsWith('proxy-');

/** `Connection` values that list no other header: nearly every request and response has one. */
const plainConnection = /^\s*(?:keep-alive|close)\s*$/i;

/** Names listed in a `Connection` header are hop-by-hop too. */
function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  // Hot path: `keep-alive` / `close` name headers that are dropped anyway; no Set per request.
  if (typeof connection === 'string' && plainConnection.test(connection)) return undefined;
  const listed = new Set<string>();
  for (const value of Array.isArray(connection) ? connection : [connection]) {
    for (const name of value.split(',')) listed.add(name.trim().toLowerCase());
  }
  return listed;
}

/** The Messages API version Ferry's Anthropic conversions are written for. */
const anthropicVersion = '2023-06-01';

/**
 * Builds the upstream request headers from the client's: drops hop-by-hop and credential
 * headers, then adds the upstream's key, its configured headers and the request id.
 */
export function upstreamRequestHeaders(
  clientHeaders: IncomingHttpHeaders,
  upstream: {
    authorization: string | undefined;
    headers: Readonly<Record<string, string>>;
    type?: 'openai' | 'anthropic';
  },
  requestId: string,
  extraDrop?: ReadonlySet<string>,
): Record<string, string | string[]> {
  const listed = connectionListed(clientHeaders.connection);
  const headers: Record<string, string | string[]> = {};
  for (const name in clientHeaders) {
    if (neverUpstream.has(name) || isPrivateToFerry(name) || listed?.has(name) || extraDrop?.has(name)) {
      continue;
    }
    const value = clientHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  if (upstream.type === 'anthropic') {
    // The Messages API takes its key in `x-api-key` and requires a version; the body Ferry sends
    // is written for this version, whatever version the client named.
    headers['anthropic-version'] = anthropicVersion;
    for (const name in upstream.headers) headers[name] = upstream.headers[name] as string;
    if (upstream.authorization !== undefined) headers['x-api-key'] = upstream.authorization.slice(7);
  } else {
    // An Anthropic client's headers (the `/v1/messages` ingress) mean nothing to an OpenAI API.
    if (headers['anthropic-version'] !== undefined) delete headers['anthropic-version'];
    if (headers['anthropic-beta'] !== undefined) delete headers['anthropic-beta'];
    for (const name in upstream.headers) headers[name] = upstream.headers[name] as string;
    if (upstream.authorization !== undefined) headers.authorization = upstream.authorization;
  }
  headers['x-request-id'] = requestId;
  return headers;
}

/** Whether an upstream response header goes on to the client. */
const keptForClient = (name: string, keepContentLength: boolean, listed: Set<string> | undefined) =>
  name === 'content-length'
    ? keepContentLength
    : !hopByHop.has(name) && name !== 'set-cookie' && listed?.has(name) !== true;

/** The upstream's own id is kept under another name: `x-request-id` is Ferry's. */
const clientName = (name: string) => (name === 'x-request-id' ? 'x-upstream-request-id' : name);

/**
 * Builds the client response headers from the upstream's (undici's header object: lower-case
 * names, latin1 values as on the wire, an array for a repeated name): drops hop-by-hop headers
 * (Node frames the response itself) and `set-cookie`, and joins repeated values with `, `.
 * `content-length` is kept only when the body is relayed as-is.
 *
 * @example
 * clientResponseHeaders({ 'content-type': 'text/event-stream', connection: 'keep-alive' }, true);
 * // → { 'content-type': 'text/event-stream' }
 */
export function clientResponseHeaders(
  upstreamHeaders: Record<string, string | string[] | undefined>,
  keepContentLength: boolean,
): Record<string, string> {
  const listed = connectionListed(upstreamHeaders.connection);
  const headers: Record<string, string> = {};
  for (const name in upstreamHeaders) {
    const value = upstreamHeaders[name];
    if (value === undefined || !keptForClient(name, keepContentLength, listed)) continue;
    headers[clientName(name)] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
