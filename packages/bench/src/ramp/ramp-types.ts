import type { Topology } from '../arms/pinning.js';
import type { LoadResult } from '../load/run-load.js';
import type { MachineInfo } from '../report/report-types.js';

/** What a ramp aims at: one of the bench's arms, or the user's own URL. */
export type RampTarget =
  | { kind: 'arm'; arm: string; workload: string }
  /** The request as sent; headers and body are not kept (they may hold keys). */
  | { kind: 'url'; url: string; method: string; headerNames: string[]; bodyBytes: number };

/** The service level a ramp level must meet: P99 over every request below the limit, no errors. */
export interface Slo {
  p99Ms: number;
  /** Failed requests allowed (connection errors, timeouts, non-2xx): zero. */
  errors: 0;
}

/** One connection level of a ramp, measured. */
export interface RampLevel {
  connections: number;
  load: LoadResult;
  /** The SLO held and Little's law holds (the figures account for the phase). */
  passed: boolean;
  /** Why it failed, one sentence each; empty when it passed. */
  failures: string[];
}

/** The whole result of `ferry-bench ramp`: what its JSON, Markdown and HTML are made of. */
export interface RampReport {
  tool: '@ferry/bench';
  kind: 'ramp';
  version: 1;
  startedAt: string;
  finishedAt: string;
  target: RampTarget;
  slo: Slo;
  /** The levels asked for, in order. */
  levelsPlanned: number[];
  durationSeconds: number;
  timeoutSeconds: number;
  warmupSeconds: number;
  machine: MachineInfo;
  topology: Topology;
  levels: RampLevel[];
  /** Levels skipped after two consecutive failing ones. */
  notRun: number[];
  /** The largest level that met the SLO; undefined when none did. */
  largestMeetingSlo: number | undefined;
  /** Where more connections stop buying throughput (see `findKnee`); undefined if not reached. */
  knee: number | undefined;
  /** Sentences a reader should not miss (a failing level below the answer, a flagged level). */
  notes: string[];
}
