import { connect, type Socket } from 'node:net';
import { GatewayError } from '../../errors.js';

const headerEnd = Buffer.from('\r\n\r\n');
// A proxy's CONNECT answer is a status line and a few headers; more is not a proxy.
const maximumHeaderBytes = 16 * 1024;

/**
 * Opens a TCP tunnel through an HTTP CONNECT proxy (credentials from the proxy URL, sent as
 * `Proxy-Authorization: Basic`). Resolves with the socket once the proxy answers 2xx; the
 * caller runs TLS (or plain HTTP) over it.
 *
 * @example
 * const socket = await openTunnel(new URL('http://user:secret@relay.example:3128'), '104.18.6.192', 443);
 */
export function openTunnel(proxy: URL, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  let head = `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n`;
  if (proxy.username !== '') {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    head += `Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}\r\n`;
  }
  head += '\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80) });
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal.reason as Error);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(headerEnd);
      if (end === -1) {
        if (received.byteLength > maximumHeaderBytes) fail(proxyError('an oversized answer'));
        return;
      }
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, end).toString('latin1'))?.[1];
      if (status === undefined || !status.startsWith('2')) {
        fail(proxyError(status === undefined ? 'a malformed answer' : `status ${status}`));
        return;
      }
      cleanup();
      const rest = received.subarray(end + headerEnd.byteLength);
      if (rest.byteLength > 0) socket.unshift(rest);
      resolve(socket);
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const onClose = () => fail(proxyError('a closed connection'));
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.write(head);
  });
}

// The proxy's URL carries credentials: the message names neither.
const proxyError = (what: string) =>
  new GatewayError('upstream_proxy_failed', `The egress proxy refused the connection (${what}).`);
