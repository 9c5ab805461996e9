#!/usr/bin/env node
// `ferry`: the standalone gateway. Run it directly (or as `node dist/cli.js`) under a
// supervisor, not through `pnpm start`, so that the supervisor sees Ferry's own exit status.
// With FERRY_WORKERS above 1 this process is the primary of a node:cluster, and each worker
// runs this same file.
import cluster from 'node:cluster';
import { exposeToPrimary, renderClusterMetrics, reportListening } from './cluster-worker.js';
import { commandLine, usage } from './command-line.js';
import { gatewayOptionsFrom } from './gateway-options.js';
import { listenSettings } from './listen-settings.js';
import { refuseProcessLocalState } from './process-local-state.js';
import { exitCodes, failStart, runFromCommandLine } from './run-from-command-line.js';
import { runWorkers } from './run-workers.js';
import { startFerryServer } from './start-ferry-server.js';
import { workerCount } from './worker-count.js';

const parse = () => {
  const parsed = commandLine(process.argv.slice(2), process.env);
  if (parsed.help) {
    console.log(usage);
    process.exit(exitCodes.stopped);
  }
  return parsed.settings;
};

if (cluster.isPrimary) {
  let workers = 1;
  try {
    workers = workerCount(process.env);
    if (workers > 1) {
      // Checked once here, so a bad setting fails the command, not N workers in a loop.
      const settings = parse();
      listenSettings(settings, process.env);
      refuseProcessLocalState(gatewayOptionsFrom(process.env, settings.configFile), workers);
    }
  } catch (error) {
    failStart(error);
  }
  if (workers > 1) await runWorkers(workers, { print: console.log, error: console.error });
}

await runFromCommandLine(async () => {
  const settings = parse();
  if (cluster.isPrimary) return startFerryServer(settings);
  const running = await startFerryServer({
    ...settings,
    print: reportListening,
    renderMetrics: renderClusterMetrics,
  });
  exposeToPrimary(running.gateway.metrics?.registry);
  return running;
});
