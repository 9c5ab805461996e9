import type { Feature } from '../feature.js';
import { upstreamList } from '../options.js';
import { redactUpstreamKeys } from '../policies/redact-upstream-keys.js';

/** Upstream keys quoted in upstream error bodies are replaced before the body reaches a client. */
export const redactUpstreamKeysFeature: Feature = {
  name: 'redact-upstream-keys',
  stages: ['redact'],
  options: {},
  setup({ options }) {
    const keys = upstreamList(options).flatMap((upstream) => [
      ...(upstream.apiKey ? [upstream.apiKey] : []),
      ...(upstream.keys?.map((key) => key.apiKey) ?? []),
      ...(upstream.deployments?.flatMap((deployment) => deployment.apiKey ?? []) ?? []),
    ]);
    return keys.length === 0 ? undefined : { policies: { redact: redactUpstreamKeys(keys) } };
  },
};
