import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { exitCodes } from './run-from-command-line.js';
import { isFerryMessage, type PrimaryMessage, type WorkerMessage } from './worker-messages.js';

/** How the primary reports; tests and the command pass console's. @internal */
export interface WorkerReporter {
  print(line: string): void;
  error(line: string): void;
}

// A worker that dies this soon after it started is crash-looping: wait longer before the next.
const quickDeathMs = 5_000;
const maxRestartDelayMs = 5_000;

/**
 * The primary of `FERRY_WORKERS`: forks `count` workers that run the same command and share
 * its port (node:cluster hands out the connections), prints the start-up lines once all listen,
 * starts a new worker when one dies, sums the workers' metrics for whichever worker a scrape
 * reaches, and on SIGINT/SIGTERM asks each worker to stop gracefully and exits once all did.
 * A worker that fails before the first start completed fails the whole start, with its exit
 * status (2 for a bad configuration). @internal
 *
 * @example
 * if (cluster.isPrimary && workers > 1) await runWorkers(workers, console);
 */
export function runWorkers(count: number, report: WorkerReporter): Promise<never> {
  const aggregator = new AggregatorRegistry();
  // Our own list: node:cluster keeps a dead worker in `cluster.workers` until it disconnected.
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  let started = false;
  let stopping = false;
  let restartDelayMs = 0;
  let failed = false;

  return new Promise<never>(() => {
    const exit = (code: number) => process.exit(code);
    const fork = () => {
      const worker = cluster.fork();
      startedAt.set(worker, Date.now());
      worker.on('message', (message: unknown) => onMessage(worker, message));
      return worker;
    };
    const workers = () => [...startedAt.keys()];

    const onMessage = (worker: Worker, message: unknown) => {
      if (!isFerryMessage<WorkerMessage>(message)) return;
      if (message.type === 'ferry:listening') {
        listening.add(worker);
        if (!started && listening.size === count) {
          started = true;
          const pids = workers().map((each) => each.process.pid);
          report.print(`${message.text}\nFerry runs ${count} workers (pids ${pids.join(', ')}).`);
        }
        return;
      }
      aggregator.clusterMetrics().then(
        (text) => reply(worker, { type: 'ferry:metrics', id: message.id, text }),
        (error: unknown) =>
          reply(worker, { type: 'ferry:metrics', id: message.id, error: (error as Error).message }),
      );
    };
    const reply = (worker: Worker, message: PrimaryMessage) => {
      if (worker.isConnected()) worker.send(message);
    };

    cluster.on('exit', (worker, code, signal) => {
      listening.delete(worker);
      const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      if (stopping) {
        if (code !== 0) failed = true;
        if (workers().length === 0) exit(failed ? exitCodes.failed : exitCodes.stopped);
        return;
      }
      if (!started) {
        // The first start failed (the worker printed why): stop the others, exit as it did.
        stopping = true;
        for (const other of workers()) other.process.kill('SIGKILL');
        exit(code === exitCodes.badConfiguration ? exitCodes.badConfiguration : exitCodes.failed);
        return;
      }
      restartDelayMs =
        lived < quickDeathMs ? Math.min(maxRestartDelayMs, Math.max(100, restartDelayMs * 2)) : 0;
      report.error(
        `Ferry worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another` +
          (restartDelayMs > 0 ? ` in ${restartDelayMs} ms.` : '.'),
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, restartDelayMs);
    });

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        report.error(`${signal} again: exiting now.`);
        for (const worker of workers()) worker.process.kill('SIGKILL');
        exit(exitCodes.failed);
      }
      stopping = true;
      report.print(`${signal}: stopping ${workers().length} workers gracefully.`);
      // A message, not a signal: after Ctrl-C the workers got SIGINT already, and a second
      // signal would make them exit at once.
      for (const worker of workers()) reply(worker, { type: 'ferry:stop' });
      if (workers().length === 0) exit(exitCodes.stopped);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    for (let index = 0; index < count; index++) fork();
  });
}
