import type { GatewayOptions } from '../options.js';

/**
 * The options the starters read from the environment: `FERRY_UPSTREAM_URL`,
 * `FERRY_UPSTREAM_API_KEY` and `FERRY_CLIENT_KEYS` (comma-separated). Only the variables that
 * are set appear in the result, so it can be spread over a config file's options.
 *
 * @example
 * const options = { ...loadConfigFile(file), ...optionsFromEnvironment() };
 */
export function optionsFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
): Partial<GatewayOptions> {
  const options: Partial<GatewayOptions> = {};
  const url = environment.FERRY_UPSTREAM_URL;
  if (url) {
    const apiKey = environment.FERRY_UPSTREAM_API_KEY;
    options.upstream = { name: 'default', url, ...(apiKey ? { apiKey } : {}) };
  }
  const clientKeys = environment.FERRY_CLIENT_KEYS?.split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  if (clientKeys !== undefined && clientKeys.length > 0) options.clientKeys = clientKeys;
  return options;
}
