import { readFileSync } from 'node:fs';
import type { GatewayOptions } from '../options.js';
import { GatewayOptionsError, invalidOption } from './options-error.js';

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
        throw invalidOption(path || '(root)', `\${${name}} is not set`);
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new GatewayOptionsError(`Cannot read the Ferry config file ${file}: ${code}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayOptionsError(`The Ferry config file ${file} is not valid JSON${where(text, error)}`);
  }
  return expandEnvironment(parsed, environment) as GatewayOptions;
}

/**
 * ` at line L, column C` from the parse error's position. The parser's own message is never
 * shown: V8 quotes the text around the error, and that text may be a literal key.
 */
function where(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('Unexpected end of JSON input')) return ' (it ends too early)';
  const position = /at position (\d+)/.exec(message)?.[1];
  const offset = position === undefined ? unexpectedTokenOffset(text, message) : Number(position);
  if (offset === undefined || offset > text.length) return '';
  let line = 1;
  let lineStart = 0;
  for (
    let index = text.indexOf('\n');
    index !== -1 && index < offset;
    index = text.indexOf('\n', index + 1)
  ) {
    line += 1;
    lineStart = index + 1;
  }
  return ` at line ${line}, column ${offset - lineStart + 1}`;
}

/** V8 quotes up to this many characters on each side of an unexpected token, with `...` when cut. */
const quotedContext = 10;

/**
 * "Unexpected token" errors carry no position, only the quoted text around the token: the
 * position is found by locating that quote in the file.
 */
function unexpectedTokenOffset(text: string, message: string): number | undefined {
  const match = /^Unexpected token '(.+?)', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (match === null) return undefined;
  const [, token = '', cutBefore, quoted = ''] = match;
  const start = text.indexOf(quoted);
  if (start === -1) return undefined;
  if (cutBefore !== undefined) return start + quotedContext;
  const offset = quoted.indexOf(token);
  return offset === -1 ? undefined : start + offset;
}
