// @ts-check
// The Koa starter gateway: `pnpm --filter @ferry/example-koa-basic start` runs this file.
import { startServer } from './start-server.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let running;
try {
  running = await startServer({ environment: process.env });
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
