import { GatewayError } from '../errors.js';
import { adminKeyCheck } from '../policies/admin-key.js';
import type { GatewayRequest, GatewayResponse } from '../types.js';
import { periodsOf, type SpendLedger } from './spend-ledger.js';

const encoder = new TextEncoder();
const subjectPattern = /^[\w.:@-]{1,160}$/;

/**
 * `GET {basePath}/ferry/usage?key=<keyId>&tenant=<name>`: the requests, tokens and USD spent
 * today and this month (UTC) per key id and tenant, for an admin key only. Keys are named by
 * their key id (as in the logs), never by the key. Several `key`/`tenant` parameters may be
 * given; without any, the configured key ids are listed.
 *
 * @example
 * const handler = createUsageEndpoint(adminKey, ledger, () => ['key_AbCd1234']);
 * await handler(request); // { status: 200, body: {"object":"ferry.usage",...} }
 */
export function createUsageEndpoint(
  adminKey: string,
  ledger: SpendLedger,
  knownKeyIds: () => readonly string[],
) {
  const requireAdmin = adminKeyCheck(adminKey);
  return async (request: GatewayRequest): Promise<GatewayResponse> => {
    requireAdmin(request);
    const query = new URLSearchParams(request.query);
    const subjects = [
      ...query.getAll('key').map((keyId) => `key:${keyId}`),
      ...query.getAll('tenant').map((tenant) => `tenant:${tenant}`),
    ];
    if (subjects.length === 0) for (const keyId of knownKeyIds()) subjects.push(`key:${keyId}`);
    if (subjects.length > 1_000 || subjects.some((subject) => !subjectPattern.test(subject))) {
      throw new GatewayError('invalid_value', 'Bad "key" or "tenant" parameter.', { param: 'key' });
    }
    const now = new Date();
    const { day, month } = periodsOf(now);
    const data = await Promise.all(
      subjects.map(async (subject) => {
        const [today, thisMonth] = await Promise.all([
          ledger.read(subject, 'day', now),
          ledger.read(subject, 'month', now),
        ]);
        const separator = subject.indexOf(':');
        return { [subject.slice(0, separator)]: subject.slice(separator + 1), day: today, month: thisMonth };
      }),
    ).catch((error: unknown) => {
      throw new GatewayError('usage_store_unavailable', 'Usage cannot be read right now.', {
        cause: error,
      });
    });
    const body = { object: 'ferry.usage', day, month, data };
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: encoder.encode(JSON.stringify(body)),
    };
  };
}
