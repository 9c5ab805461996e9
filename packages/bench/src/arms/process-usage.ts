import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time used so far and the peak resident memory of a process (or a group of them). */
export interface ProcessUsage {
  cpuMicros: number;
  maxRssBytes: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * Reads usage from Linux `/proc` for processes the bench did not write (nginx and its
 * workers): utime + stime from `stat`, VmHWM (peak RSS) from `status`. Undefined elsewhere.
 */
export function procUsage(pids: readonly number[]): ProcessUsage | undefined {
  let cpuTicks = 0;
  let maxRssBytes = 0;
  let found = false;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at index 2 = state.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks += Number(fields[11]) + Number(fields[12]);
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const peak = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      if (peak !== undefined) maxRssBytes += Number(peak) * 1024;
      found = true;
    } catch {
      // The process is gone or /proc does not exist (not Linux).
    }
  }
  if (!found) return undefined;
  return { cpuMicros: (cpuTicks / clockTicks()) * 1e6, maxRssBytes };
}

/** Direct children of a process (nginx's workers), from `/proc`. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((value) => value !== '')
      .map(Number);
  } catch {
    return [];
  }
}
