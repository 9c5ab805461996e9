import type { MockUpstreamOptions } from '@ferry/mock-upstream';
import OpenAI from 'openai';
import { type GatewayWithMock, startGatewayWithMock } from '../../testing/index.js';

/** Test-only: the client keys of tenants A and B. */
export const tenantKeys = { a: 'sk-tenant-a', b: 'sk-tenant-b' } as const;

/**
 * Test-only: a gateway with the memory conversation store and two tenants, A and B, in front
 * of a fresh mock upstream.
 *
 * @example
 * const ferry = await startTwoTenantGateway({ content: 'answer' });
 */
export function startTwoTenantGateway(mockOptions: MockUpstreamOptions = {}): Promise<GatewayWithMock> {
  return startGatewayWithMock(
    {
      conversations: { store: 'memory' },
      clients: [
        { id: 'a', tenant: 'tenant-a', keys: [tenantKeys.a] },
        { id: 'b', tenant: 'tenant-b', keys: [tenantKeys.b] },
      ],
    },
    mockOptions,
  );
}

/**
 * Test-only: the official client naming one conversation on every request.
 *
 * @example
 * await conversationClient(ferry.url, tenantKeys.a, 'support-42').chat.completions.create(...);
 */
export const conversationClient = (baseURL: string, apiKey: string, conversation: string): OpenAI =>
  new OpenAI({ baseURL, apiKey, maxRetries: 0, defaultHeaders: { 'x-ferry-conversation': conversation } });
