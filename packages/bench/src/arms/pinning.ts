import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Where each process runs. On two cores the system under test has core 0 to itself and the
 * mock upstream and the load generator share core 1, as a user measures a gateway: its whole
 * budget is one core, none of it spent on the upstream. The mock's work per request is small
 * and fixed (a timer and a canned answer), so the generator's core keeps headroom at the
 * proxies' rates; the `direct` arm shows what the pair can drive. With three or more cores the
 * mock gets core 0, the system under test core 1, the generator the rest.
 */
export interface Topology {
  pinned: boolean;
  /** Why not pinned, when not. */
  reason?: string;
  mockCores: string;
  systemCores: string;
  generatorCores: string;
  cores: number;
}

export function planTopology(wanted: boolean): Topology {
  const cores = availableParallelism();
  const unpinned = (reason: string): Topology => ({
    pinned: false,
    reason,
    mockCores: 'any',
    systemCores: 'any',
    generatorCores: 'any',
    cores,
  });
  if (!wanted) return unpinned('pinning turned off');
  if (cores < 2) return unpinned('one core only');
  if (!hasTaskset()) return unpinned('taskset not found');
  if (cores === 2) return { pinned: true, mockCores: '1', systemCores: '0', generatorCores: '1', cores };
  return { pinned: true, mockCores: '0', systemCores: '1', generatorCores: `2-${cores - 1}`, cores };
}

let tasksetFound: boolean | undefined;
function hasTaskset(): boolean {
  tasksetFound ??= spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  return tasksetFound;
}

/** The command that runs `command` on `cores` (or as-is when not pinned). */
export function pinnedCommand(cores: string, pinned: boolean, command: string, args: string[]) {
  return pinned ? { command: 'taskset', args: ['-c', cores, command, ...args] } : { command, args };
}

/**
 * Moves this process (every thread) to `cores` and returns a function that puts it back. The
 * bench process is the load generator.
 */
export function pinSelf(cores: string): () => void {
  const current = spawnSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' });
  const previous = /:\s*([\d,-]+)\s*$/.exec(current.stdout ?? '')?.[1];
  spawnSync('taskset', ['-a', '-c', '-p', cores, String(process.pid)], { stdio: 'ignore' });
  return () => {
    if (previous !== undefined) {
      spawnSync('taskset', ['-a', '-c', '-p', previous, String(process.pid)], { stdio: 'ignore' });
    }
  };
}

/** The topology as one sentence for the log and the reports. */
export function describeTopology(topology: Topology): string {
  if (!topology.pinned) return `topology: not pinned (${topology.reason}), ${topology.cores} cores`;
  return `topology: mock upstream on core ${topology.mockCores}, system under test on core ${topology.systemCores}, load generator on core ${topology.generatorCores} (taskset)`;
}
