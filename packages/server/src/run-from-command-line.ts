/** How the process ends: 0 after a graceful stop, 2 for a configuration mistake, 1 otherwise. */
export const exitCodes = { stopped: 0, failed: 1, badConfiguration: 2 } as const;

/**
 * Runs a Ferry server as a program: starts it, reports a failed start in one line on stderr
 * (exit 2 when the configuration is wrong — its message names the field, the variable or the
 * flag — else 1), and on SIGINT/SIGTERM stops gracefully and exits 0. A second signal exits at
 * once with 1. A supervisor (systemd, a container runtime) sees exit 0 for a requested stop.
 *
 * @example
 * await runFromCommandLine(() => startFerryServer({ environment: process.env }));
 */
export async function runFromCommandLine(start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  let stopping: NodeJS.Signals | undefined;
  let running: { close(): Promise<void> } | undefined;
  const stop = () => {
    console.log(`${stopping}: finishing in-flight requests, then stopping (press Ctrl-C again to force).`);
    running?.close().then(
      () => process.exit(exitCodes.stopped),
      (error: unknown) => {
        console.error(`Shutdown failed: ${oneLine(error)}`);
        process.exit(exitCodes.failed);
      },
    );
  };
  // Listening from the start: a stop requested while the server starts is honoured once it runs.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping !== undefined) {
      console.error(`${signal} again: exiting now.`);
      process.exit(exitCodes.failed);
    }
    stopping = signal;
    if (running) stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A worker of FERRY_WORKERS: the primary asks by message. After Ctrl-C the worker has its own
  // SIGINT already, and the message must not count as the second signal.
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type === 'ferry:stop' && stopping === undefined) {
      onSignal('SIGTERM');
    }
  });

  try {
    running = await start();
  } catch (error) {
    failStart(error);
  }
  if (stopping !== undefined) stop();
}

/**
 * Reports a failed start in one line on stderr and exits: 2 for a configuration mistake, else 1.
 *
 * @example
 * try { refuseProcessLocalState(options, workers); } catch (error) { failStart(error); }
 */
export function failStart(error: unknown): never {
  console.error(`Ferry did not start: ${oneLine(error)}`);
  // By name, not `instanceof`: an app may load another copy of @ferry/core than this package.
  const configuration =
    error instanceof Error && (error.name === 'GatewayOptionsError' || error.name === 'SettingsError');
  process.exit(configuration ? exitCodes.badConfiguration : exitCodes.failed);
}

/** The message only, never a stack, on one line. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}
