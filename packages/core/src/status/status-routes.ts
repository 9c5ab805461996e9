import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { InternalRoute } from '../feature.js';
import { adminKeyCheck } from '../policies/admin-key.js';
import type { GatewayRequest } from '../types.js';
import type { StatusBoard } from './status-board.js';
import { statusPageHtml } from './status-page.js';

const encoder = new TextEncoder();
const digest = (value: string) => createHash('sha256').update(value).digest();

// A browser asked for a password shows its own prompt; the realm names what it is for.
const challenge = { 'www-authenticate': 'Basic realm="Ferry status", charset="UTF-8"' };

/**
 * The admin check of the status routes: Ferry's usual Bearer / `x-api-key` admin key, or HTTP
 * Basic auth with the admin key as the password (any user name), which is what a browser can
 * send: it prompts once and sends the same credentials with the page's `status.json` fetches.
 */
function statusAdminCheck(adminKey: string): (request: GatewayRequest) => void {
  const bearer = adminKeyCheck(adminKey);
  const expected = digest(adminKey);
  return (request) => {
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && /^basic /i.test(authorization)) {
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      if (decoded.includes(':') && timingSafeEqual(digest(password), expected)) return;
      throw new GatewayError('invalid_admin_key', 'This endpoint needs the admin key.', {
        headers: challenge,
      });
    }
    try {
      bearer(request);
    } catch (error) {
      if (error instanceof GatewayError)
        throw new GatewayError(error.code, error.message, { headers: challenge });
      throw error;
    }
  };
}

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // Everything is inline; the script may only talk back to this origin.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * `GET /ferry/status` (HTML) and `GET /ferry/status.json`, both behind the admin key.
 *
 * @example
 * routes.push(...statusRoutes(board, adminKey, 2_000));
 */
export function statusRoutes(board: StatusBoard, adminKey: string, refreshMs: number): InternalRoute[] {
  const requireAdmin = statusAdminCheck(adminKey);
  const page = encoder.encode(statusPageHtml(refreshMs));
  return [
    {
      method: 'GET',
      path: '/ferry/status',
      handler: async (request) => {
        requireAdmin(request);
        return { status: 200, headers: { ...pageHeaders }, body: page };
      },
    },
    {
      method: 'GET',
      path: '/ferry/status.json',
      handler: async (request) => {
        requireAdmin(request);
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          body: encoder.encode(JSON.stringify(board.snapshot(Date.now()))),
        };
      },
    },
  ];
}
