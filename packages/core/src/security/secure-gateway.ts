import { type MockUpstreamOptions, startMockUpstream } from '@ferry/mock-upstream';
import type { GatewayOptions } from '../options.js';
import { type GatewayWithMock, startGatewayServer } from '../testing/index.js';

/** A signing secret for tests (the option requires at least 32 characters). */
export const testSigningSecret = 'security-test-secret-0123456789abcdef';
export const rotatedSigningSecret = 'security-test-secret-rotated-fedcba98765';

/**
 * A gateway on a free port in front of a fresh mock upstream on loopback (allowed with
 * `local: true`), for the hostile-input suites.
 */
export async function startSecureGateway(
  options: Partial<GatewayOptions> = {},
  mockOptions: MockUpstreamOptions = {},
): Promise<GatewayWithMock> {
  const mock = await startMockUpstream(mockOptions);
  try {
    const ferry = await startGatewayServer({
      ...options,
      upstream: { ...options.upstream, url: mock.url, local: true },
    });
    return { ...ferry, mock, close: () => ferry.close().then(() => mock.close()) };
  } catch (error) {
    await mock.close();
    throw error;
  }
}
