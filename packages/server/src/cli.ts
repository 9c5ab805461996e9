#!/usr/bin/env node
// `ferry`: the standalone gateway. Run it directly (or as `node dist/cli.js`) under a
// supervisor, not through `pnpm start`, so that the supervisor sees Ferry's own exit status.
import { commandLine, usage } from './command-line.js';
import { exitCodes, runFromCommandLine } from './run-from-command-line.js';
import { startFerryServer } from './start-ferry-server.js';

await runFromCommandLine(async () => {
  const parsed = commandLine(process.argv.slice(2), process.env);
  if (parsed.help) {
    console.log(usage);
    process.exit(exitCodes.stopped);
  }
  return startFerryServer(parsed.settings);
});
