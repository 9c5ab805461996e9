import type { SigningKey } from '../load/signing.js';
import type { ArmRole } from './arm-kinds.js';
import type { ProcessUsage } from './process-usage.js';

/** An arm ready for load: started by the bench (own process) or an external URL. */
export interface RunningArm {
  /** The arm's kind, or the external arm's name. */
  name: string;
  role: ArmRole;
  /** Origin the requests go to (`http://127.0.0.1:PORT`), or the external base URL. */
  url: string;
  /** Headers every request needs (client keys). */
  headers: Record<string, string>;
  /** Sign every request with this key (the full pipeline verifies signatures). */
  signing?: SigningKey | undefined;
  /** Usage of the system under test so far; undefined when the bench cannot see the process. */
  usage(): Promise<ProcessUsage | undefined>;
  stop(): Promise<void>;
}

/** An arm that could not run, with the visible reason ("skipped: nginx not installed"). */
export interface SkippedArm {
  name: string;
  reason: string;
}

export type ArmStart = { running: RunningArm } | { skipped: SkippedArm };
