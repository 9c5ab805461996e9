import { parseArgs } from 'node:util';
import type { StartSettings } from './serve-gateway.js';
import { SettingsError } from './settings-error.js';

/** The `ferry --help` text. */
export const usage = `Usage: ferry [options]

Ferry, the OpenAI-compatible LLM gateway, on a plain Node HTTP server (no web framework).
Clients use http://HOST:PORT/v1 as their OpenAI baseURL.

Options:
  -c, --config <file>  JSON config file: the gateway options, secrets as \${NAME} references
                       to environment variables (default: $FERRY_CONFIG)
      --host <host>    interface to listen on (default: $HOST, else 127.0.0.1)
  -p, --port <port>    port to listen on, 0 for any free port (default: $PORT, else 8787)
  -h, --help           show this help

Environment:
  FERRY_UPSTREAM_URL       the upstream API base, e.g. https://api.openai.com/v1; with no
                           upstream configured anywhere, the bundled mock runs in-process
  FERRY_UPSTREAM_API_KEY   the upstream's key (clients never see it)
  FERRY_CLIENT_KEYS        comma-separated keys clients must send (unset: open, with a warning)
  FERRY_CONFIG             as --config
  FERRY_SHUTDOWN_GRACE_MS  how long in-flight requests may finish after SIGINT/SIGTERM
                           before they are cut (default 10000)
  FERRY_ACCEPT_LANES       extra listeners on the socket, so a saturated server accepts more
                           than one new connection per event-loop iteration (default 15; 0: off)
  HOST, PORT               as --host, --port

Every request is logged as one JSON line; Prometheus metrics are at GET /v1/ferry/metrics
and health at GET /health.
Exit status: 0 after a stop by SIGINT/SIGTERM, 2 for a bad configuration or command line,
1 for any other failure.`;

/** What the command line asks for: help, or a server with these settings. */
export type CommandLine = { help: true } | { help: false; settings: StartSettings };

/**
 * Reads `ferry`'s arguments. A flag it does not know, a missing value or a port that is not a
 * number is a `SettingsError` (the command exits 2).
 *
 * @example
 * commandLine(['--config', 'ferry.json', '--port', '0'], process.env);
 * // { help: false, settings: { configFile: 'ferry.json', port: 0, environment: process.env } }
 */
export function commandLine(args: readonly string[], environment: NodeJS.ProcessEnv): CommandLine {
  let values: { config?: string; host?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      // `pnpm start -- --port 0` passes the `--` on; after it, parseArgs would read no flags.
      args: args[0] === '--' ? args.slice(1) : [...args],
      options: {
        config: { type: 'string', short: 'c' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SettingsError(`${argumentProblem(error)} (ferry --help lists the options)`);
  }
  if (values.help) return { help: true };
  if (values.port !== undefined && !/^\d+$/.test(values.port)) {
    throw new SettingsError(`--port must be a port number, not ${JSON.stringify(values.port)}`);
  }
  return {
    help: false,
    settings: {
      environment,
      configFile: values.config,
      host: values.host,
      port: values.port === undefined ? undefined : Number(values.port),
    },
  };
}

/** Node's parseArgs messages explain `--` at length; one short line says the same. */
function argumentProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted ?? ''}`.trim();
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${quoted ?? ''}`.trim();
  return message.split('\n')[0] ?? message;
}
