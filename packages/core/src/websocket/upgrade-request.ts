import type { IncomingHttpHeaders } from 'node:http';

/** The subprotocol browsers use to send a key, since they cannot set headers. */
const keyProtocolPrefix = 'openai-insecure-api-key.';

/** What the client's handshake offered, with the key taken out. */
export interface UpgradeOffer {
  /** The client's headers, with `authorization` set from a subprotocol key and that key removed. */
  headers: IncomingHttpHeaders;
  /** The subprotocols the client offered, minus the key: what goes on upstream. */
  protocols: string[];
  /** The subprotocol to echo in the 101 (`realtime` when offered), or undefined for none. */
  echo: string | undefined;
}

/**
 * Reads the client's `Sec-WebSocket-Protocol`. A key sent as `openai-insecure-api-key.<key>`
 * becomes `authorization: Bearer <key>` (unless the client also sent a header key) so the one
 * authentication policy checks it like HTTP; the key is removed from what is logged, echoed and
 * forwarded. The upstream gets the upstream's own key, never the client's.
 *
 * @example
 * readUpgradeOffer({ 'sec-websocket-protocol': 'realtime, openai-insecure-api-key.sk-1' });
 * // → { headers: { authorization: 'Bearer sk-1' }, protocols: ['realtime'], echo: 'realtime' }
 */
export function readUpgradeOffer(clientHeaders: IncomingHttpHeaders): UpgradeOffer {
  const headers: IncomingHttpHeaders = {};
  for (const name in clientHeaders) {
    // The handshake's own headers are answered here and negotiated again upstream.
    if (name.startsWith('sec-websocket-')) continue;
    headers[name] = clientHeaders[name];
  }
  const offered = clientHeaders['sec-websocket-protocol'];
  const protocols: string[] = [];
  let key: string | undefined;
  if (typeof offered === 'string') {
    for (const part of offered.split(',')) {
      const protocol = part.trim();
      if (protocol === '') continue;
      if (protocol.startsWith(keyProtocolPrefix)) key ??= protocol.slice(keyProtocolPrefix.length);
      else protocols.push(protocol);
    }
  }
  if (
    key !== undefined &&
    key !== '' &&
    headers.authorization === undefined &&
    headers['x-api-key'] === undefined
  )
    headers.authorization = `Bearer ${key}`;
  const echo = protocols.includes('realtime') ? 'realtime' : protocols[0];
  return { headers, protocols, echo };
}
