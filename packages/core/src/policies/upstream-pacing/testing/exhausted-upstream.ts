import { type RawUpstream, startRawUpstream } from '../../../testing/index.js';

/**
 * An upstream whose every answer says its quota is used up for 20 s (OpenAI's headers), and
 * counts what it served.
 *
 * @example
 * const upstream = await startExhaustedUpstream();
 * upstream.served; // 0
 */
export async function startExhaustedUpstream(): Promise<RawUpstream & { readonly served: number }> {
  let served = 0;
  const upstream = await startRawUpstream((_request, response) => {
    served++;
    response.writeHead(200, {
      'content-type': 'application/json',
      'x-ratelimit-limit-requests': '600',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '20s',
    });
    response.end('{"object":"chat.completion","choices":[]}');
  });
  // A getter, not a copied value: the count keeps moving after this returns.
  return Object.defineProperty(upstream, 'served', { get: () => served }) as RawUpstream & {
    readonly served: number;
  };
}
