import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.js';

export const bodyTooLarge = (limit: number) =>
  new GatewayError('request_too_large', `The request body exceeds the limit of ${limit} bytes.`);

/**
 * Reads the whole request body, refusing it as soon as it passes `limit`: first by its
 * declared Content-Length (before reading a byte), then by counting what arrives (chunked
 * bodies declare nothing).
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received > limit) {
        cleanup();
        request.pause();
        reject(bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    let ended = false;
    // The listeners stay on a request that ended: it emits nothing more that they act on, and
    // removing four listeners per request is measurable on the hot path.
    const onEnd = () => {
      ended = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      if (ended) return;
      cleanup();
      reject(new GatewayError('client_closed_request', 'The client closed the request.', { cause: error }));
    };
    const onClose = () => {
      if (request.readableEnded) return;
      onError(new Error('request closed before its body ended'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
