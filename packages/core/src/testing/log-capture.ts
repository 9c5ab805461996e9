import { type Logger, pino } from 'pino';

/** A pino logger whose lines are kept in memory, for assertions on what the gateway logs. */
export interface LogCapture {
  logger: Logger;
  /** Raw lines as pino wrote them (JSON text, each ending in a newline). */
  lines: string[];
  /** The lines parsed. */
  entries(): Array<Record<string, unknown>>;
  /** Resolves with the first entry (already written or future) that matches. */
  waitFor(predicate: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/**
 * Creates a logger writing synchronously to memory.
 *
 * @example
 * const logs = captureLogs();
 * const ferry = await startGatewayServer({ upstream, logger: logs.logger });
 * const line = await logs.waitFor((entry) => entry.requestId === 'abc');
 */
export function captureLogs(level: pino.LevelWithSilent = 'info'): LogCapture {
  const lines: string[] = [];
  const waiters: Array<{
    predicate: (entry: Record<string, unknown>) => boolean;
    resolve: (entry: Record<string, unknown>) => void;
  }> = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        lines.push(line);
        const entry = JSON.parse(line) as Record<string, unknown>;
        for (let index = 0; index < waiters.length; index++) {
          const waiter = waiters[index]!;
          if (waiter.predicate(entry)) {
            waiters.splice(index--, 1);
            waiter.resolve(entry);
          }
        }
      },
    },
  );
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    logger,
    lines,
    entries,
    waitFor(predicate) {
      const found = entries().find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
  };
}
