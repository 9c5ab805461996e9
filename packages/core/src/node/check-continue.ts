import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { errorBody } from '../errors.js';
import type { Gateway } from '../gateway.js';
import { pathOf, urlInsideMount } from './mount-path.js';
import { bodyTooLarge } from './read-body.js';

/** Where the gateway sits in the host app. */
export interface CheckContinueOptions {
  /** The path the gateway is mounted under (`app.use('/llm', ferry(...))` → `'/llm'`). */
  prefix?: string;
}

/**
 * A `checkContinue` listener for the host's `http.Server`. Node answers `Expect: 100-continue`
 * with `100 Continue` itself unless the server has this listener, so without it a client is
 * invited to upload a body Ferry will refuse. With it, a request to the gateway that declares a
 * `Content-Length` over `maxBodyBytes` gets the OpenAI-shaped 413 at once (and the connection
 * is closed); every other request gets `100 Continue` and goes to `app` as usual.
 *
 * @example
 * const app = express();
 * const middleware = ferry(options);
 * app.use('/llm', middleware);
 * const server = http.createServer(app);
 * server.on('checkContinue', createCheckContinueHandler(middleware.gateway, app, { prefix: '/llm' }));
 */
export function createCheckContinueHandler(
  gateway: Gateway,
  app: RequestListener,
  { prefix = '' }: CheckContinueOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const limit = gateway.maxBodyBytes;
  const refusal = errorBody(bodyTooLarge(limit));
  return (request, response) => {
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit && ownedByGateway(gateway, prefix, request.url)) {
      response.shouldKeepAlive = false;
      response.writeHead(413, {
        'content-type': 'application/json',
        'content-length': String(refusal.byteLength),
        connection: 'close',
        'x-should-retry': 'false',
      });
      response.end(refusal);
      return;
    }
    response.writeContinue();
    app(request, response);
  };
}

function ownedByGateway(gateway: Gateway, prefix: string, url = '/'): boolean {
  const inside = urlInsideMount(url, prefix);
  return inside !== undefined && gateway.owns(pathOf(inside));
}
