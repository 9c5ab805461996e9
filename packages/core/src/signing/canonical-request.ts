import { createHash } from 'node:crypto';

/** The request headers of Ferry's signature scheme (lower-case, as Node presents them). */
export const signatureHeaderNames = {
  keyId: 'x-ferry-key-id',
  timestamp: 'x-ferry-timestamp',
  nonce: 'x-ferry-nonce',
  signature: 'x-ferry-signature',
} as const;

/** What the signature covers. `path` and `query` are exactly what goes on the request line. */
export interface CanonicalRequestParts {
  method: string;
  /** The path as sent, from the gateway's API base: `/v1/chat/completions`. */
  path: string;
  /** The raw query string without `?` (any order, any encoding), or `''`. */
  query: string;
  /** Unix time in whole seconds, as sent in `x-ferry-timestamp`. */
  timestamp: string;
  nonce: string;
  /** Lower-case hex SHA-256 of the raw body bytes (of zero bytes when there is no body). */
  bodySha256: string;
}

/** Percent-encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const compare = (left: string, right: string) => (left < right ? -1 : left > right ? 1 : 0);
const comparePairs = (left: [string, string], right: [string, string]) =>
  compare(left[0], right[0]) || compare(left[1], right[1]);

const decodeComponent = (value: string) => decodeURIComponent(value.replace(/\+/g, '%20'));

/**
 * The query in canonical form: each name and value decoded (`+` is a space) and re-encoded
 * per RFC 3986, pairs sorted by name then value (byte order), joined with `&`. Two queries
 * that mean the same thing get the same canonical form whatever their order or encoding.
 * Throws `URIError` on malformed percent-encoding.
 *
 * @example
 * canonicalQuery('b=2&a=hello+world'); // 'a=hello%20world&b=2'
 */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const segment of query.split('&')) {
    if (segment === '') continue;
    const equals = segment.indexOf('=');
    const name = equals === -1 ? segment : segment.slice(0, equals);
    const value = equals === -1 ? '' : segment.slice(equals + 1);
    pairs.push([encodeRfc3986(decodeComponent(name)), encodeRfc3986(decodeComponent(value))]);
  }
  // Encoded names and values are ASCII, so code-unit order is the byte order every language gets.
  pairs.sort(comparePairs);
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Lower-case hex SHA-256 of the body bytes. */
export function bodySha256(body: Uint8Array | string | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

/**
 * The string that is signed: method (upper-case), path, canonical query, timestamp, nonce and
 * the body hash, joined by `\n`.
 *
 * @example
 * canonicalString({ method: 'POST', path: '/v1/chat/completions', query: '', timestamp: '1767225600',
 *   nonce: 'k3JX0q4m6Zr8Tt2w', bodySha256: bodySha256('{}') });
 */
export function canonicalString(parts: CanonicalRequestParts): string {
  return [
    parts.method.toUpperCase(),
    parts.path,
    canonicalQuery(parts.query),
    parts.timestamp,
    parts.nonce,
    parts.bodySha256,
  ].join('\n');
}
