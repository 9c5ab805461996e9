import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway.js';
import { handleNodeRequest } from './handle-node-request.js';
import { checkPrefix, pathOf, urlInsideMount } from './mount-path.js';

/** Where the gateway sits in front of the app. */
export interface WithGatewayOptions {
  /** Serve the gateway under this path (`'/llm'` → `http://host/llm/v1`); default: the root. */
  prefix?: string;
}

/**
 * Puts a gateway in front of an app at the HTTP server: requests inside the gateway's API base
 * (`/v1`, after `prefix`) go straight to the Node bridge, so they skip the framework's per-request
 * work (its request and response objects, middleware, router); every other request reaches the
 * app unchanged, its body unread. The app's body parsers never see gateway traffic, so bodies
 * arrive byte for byte and Ferry's own body limit and errors apply.
 *
 * @example
 * const gateway = createGateway(options);
 * const app = express(); // or: new Koa(), then withGateway(gateway, app.callback())
 * app.use(express.json());
 * app.get('/health', (_request, response) => response.json({ ok: true }));
 * http.createServer(withGateway(gateway, app)).listen(8787); // baseURL http://localhost:8787/v1
 */
export function withGateway(
  gateway: Gateway,
  app: RequestListener,
  { prefix = '' }: WithGatewayOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  checkPrefix(prefix, 'withGateway');
  return (request, response) => {
    const url = request.url ?? '/';
    const inside = urlInsideMount(url, prefix);
    if (inside === undefined || !gateway.owns(pathOf(inside))) {
      app(request, response);
      return;
    }
    // No extras object at the root: the bridge reads `request.url` itself.
    const extras = inside === url ? undefined : { url: inside };
    handleNodeRequest(gateway, request, response, extras).catch((error: unknown) => {
      // The bridge answers every gateway failure itself; this is a failure of the bridge.
      gateway.logger.error({ err: error }, 'the Node bridge failed: the connection was closed');
      response.destroy();
    });
  };
}
