// @ts-check

/**
 * Runs a starter as a program: starts it, reports a failed start in one line, and shuts it down
 * gracefully on SIGINT/SIGTERM (a second signal exits at once).
 *
 * @param {() => Promise<{ close: () => Promise<void> }>} start
 *
 * @example
 * await runFromCommandLine(() => startServer({ environment: process.env }));
 */
export async function runFromCommandLine(start) {
  /** @type {{ close: () => Promise<void> }} */
  let running;
  try {
    running = await start();
  } catch (error) {
    // Configuration mistakes are the usual cause: their message names the field or variable.
    console.error(`Ferry did not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }

  let stopping = false;
  /** @param {NodeJS.Signals} signal */
  const shutdown = (signal) => {
    if (stopping) {
      console.error(`${signal} again: exiting now.`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then stopping (press Ctrl-C again to force).`);
    running.close().then(
      () => process.exit(0),
      (error) => {
        console.error('Shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
