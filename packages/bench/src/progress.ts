/** Receives the bench's progress; the CLI draws it as one live line. */
export interface ProgressEvent {
  /** e.g. `round 2/3` or `warm-up`. */
  stage: string;
  arm: string;
  /** e.g. `load 1000c`, `probe 1c`, `streams x100`. */
  phase: string;
  /** Responses so far in this phase. */
  responses?: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

/**
 * A progress line on a terminal (rewritten in place) or one line per phase elsewhere (CI logs).
 *
 * @example
 * const progress = progressLine(process.stderr);
 * progress({ stage: 'round 1/3', arm: 'ferry-core', phase: 'load 1000c', responses: 12000 });
 */
export function progressLine(stream: NodeJS.WriteStream): ProgressListener & { done(): void } {
  const live = stream.isTTY === true;
  let lastKey = '';
  let startedAt = performance.now();
  const listener = (event: ProgressEvent) => {
    const key = `${event.stage} ${event.arm} ${event.phase}`;
    if (key !== lastKey) {
      startedAt = performance.now();
      if (!live) stream.write(`[ferry-bench] ${key}\n`);
      lastKey = key;
    }
    if (!live) return;
    const seconds = (performance.now() - startedAt) / 1_000;
    const rate =
      event.responses !== undefined && seconds > 0 ? ` ${Math.round(event.responses / seconds)} req/s` : '';
    stream.write(`\r\x1b[2K[ferry-bench] ${key} ${seconds.toFixed(0)}s${rate}`);
  };
  return Object.assign(listener, {
    done: () => {
      if (live) stream.write('\r\x1b[2K');
    },
  });
}
