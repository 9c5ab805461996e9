import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { type GatewayOptions, loadConfigFile, optionsFromEnvironment } from '@ferry/core';

/**
 * The gateway options of a Ferry server: the JSON config file (`configFile`, else the one named
 * by `FERRY_CONFIG`; same shape as the options, secrets as `${ENV}` references), with the
 * `FERRY_*` variables on top, over `defaults`.
 *
 * A relative file name is resolved against the directory `pnpm start` was run from
 * (`INIT_CWD`), not the folder pnpm runs the script in; without pnpm, against the working directory.
 *
 * @example
 * // FERRY_CONFIG=ferry.json FERRY_CLIENT_KEYS=sk-a,sk-b
 * const options = gatewayOptionsFrom(process.env);
 */
export function gatewayOptionsFrom(
  environment: NodeJS.ProcessEnv,
  configFile: string | undefined = environment.FERRY_CONFIG,
  defaults: Partial<GatewayOptions> = {},
): GatewayOptions {
  const fromFile = configFile
    ? loadConfigFile(
        isAbsolute(configFile) ? configFile : resolve(environment.INIT_CWD ?? process.cwd(), configFile),
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
  return { ...defaults, ...fromFile, ...fromVariables } as GatewayOptions;
}

/** True for `http://localhost:11434/v1`, `http://10.0.0.5/v1`, `http://[::1]:8000/v1`. */
function isAddressLiteral(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false; // The gateway's option check reports the bad URL.
  }
  return hostname === 'localhost' || isIP(hostname) !== 0;
}

/**
 * True when an upstream is configured anywhere; without one a Ferry server runs the mock.
 *
 * @example
 * if (!hasUpstream(options)) options.upstream = { name: 'mock', url: mock.url, local: true };
 */
export function hasUpstream(options: GatewayOptions): boolean {
  return options.upstream !== undefined || (options.upstreams?.length ?? 0) > 0;
}
