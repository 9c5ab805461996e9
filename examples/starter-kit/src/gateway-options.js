// @ts-check
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { loadConfigFile, optionsFromEnvironment } from '@ferry/core';

/**
 * The gateway options of the starter: the JSON file named by `FERRY_CONFIG` (same shape as the
 * options, secrets as `${ENV}` references), with the `FERRY_*` variables on top.
 *
 * A relative `FERRY_CONFIG` is resolved against the directory `pnpm start` was run from
 * (`INIT_CWD`), not this package's folder, where pnpm runs the script.
 *
 * @param {NodeJS.ProcessEnv} environment
 * @returns {import('@ferry/core').GatewayOptions}
 *
 * @example
 * // FERRY_CONFIG=ferry.json FERRY_CLIENT_KEYS=sk-a,sk-b
 * const options = gatewayOptionsFrom(process.env);
 */
export function gatewayOptionsFrom(environment) {
  const file = environment.FERRY_CONFIG;
  const fromFile = file
    ? loadConfigFile(
        isAbsolute(file) ? file : resolve(environment.INIT_CWD ?? process.cwd(), file),
        environment,
      )
    : {};
  const fromVariables = optionsFromEnvironment(environment);
  const upstream = fromVariables.upstream;
  // Only a `local` upstream may reach loopback and private addresses (a public name that
  // suddenly resolves there is refused). An address or `localhost` written in the variable is
  // no such surprise: it is a model server the operator runs (Ollama, vLLM), so it is local.
  if (upstream !== undefined && isAddressLiteral(upstream.url)) upstream.local = true;
  // `upstream` from FERRY_UPSTREAM_URL replaces the file's `upstream`; a file's `upstreams` stay after it.
  return /** @type {import('@ferry/core').GatewayOptions} */ ({ ...fromFile, ...fromVariables });
}

/**
 * True for `http://localhost:11434/v1`, `http://10.0.0.5/v1`, `http://[::1]:8000/v1`.
 *
 * @param {string} url
 */
function isAddressLiteral(url) {
  let hostname;
  try {
    hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false; // The gateway's option check reports the bad URL.
  }
  return hostname === 'localhost' || isIP(hostname) !== 0;
}

/**
 * True when no upstream is configured anywhere: the starter then runs the mock upstream.
 *
 * @param {import('@ferry/core').GatewayOptions} options
 */
export function hasUpstream(options) {
  return options.upstream !== undefined || (options.upstreams?.length ?? 0) > 0;
}
