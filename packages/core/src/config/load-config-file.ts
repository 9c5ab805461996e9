import { readFileSync } from 'node:fs';
import { type GatewayOptions, GatewayOptionsError } from '../options.js';

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` in every string of a parsed config with the environment variable, so a
 * config file can be committed without its secrets. A missing variable is an error that
 * names both the variable and the field.
 */
export function expandEnvironment(value: unknown, environment: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(reference, (_, name: string) => {
      const resolved = environment[name];
      if (resolved === undefined) {
        throw new GatewayOptionsError(`Invalid Ferry options — ${path || '(root)'}: \${${name}} is not set`);
      }
      return resolved;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => expandEnvironment(item, environment, `${path}.${index}`));
  }
  if (value !== null && typeof value === 'object') {
    const expanded: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      expanded[key] = expandEnvironment(item, environment, path === '' ? key : `${path}.${key}`);
    }
    return expanded;
  }
  return value;
}

/**
 * Reads a JSON config file of the same shape as the gateway options (minus functions), with
 * `${ENV}` references for secrets.
 *
 * @example
 * // ferry.json: { "upstream": { "url": "https://api.openai.com/v1", "apiKey": "${OPENAI_API_KEY}" } }
 * const gateway = createGateway(loadConfigFile('ferry.json'));
 */
export function loadConfigFile(file: string, environment: NodeJS.ProcessEnv = process.env): GatewayOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GatewayOptionsError(`Cannot read the Ferry config file ${file}: ${(error as Error).message}`);
  }
  return expandEnvironment(parsed, environment) as GatewayOptions;
}
