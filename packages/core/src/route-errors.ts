import { GatewayError } from './errors.js';
import type { GatewayRequest } from './types.js';

/** 404 for a path inside the API base that Ferry does not forward. */
export const routeNotFound = (request: GatewayRequest) =>
  new GatewayError('unknown_url', `Unknown request URL: ${request.method} ${request.path}.`);

/** 405 for a known path called with another method; `Allow` lists the right ones. */
export const methodNotAllowed = (request: GatewayRequest, allowed: string) =>
  new GatewayError('method_not_allowed', `${request.method} is not allowed on ${request.path}.`, {
    headers: { allow: allowed },
  });
