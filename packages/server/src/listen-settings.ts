import { defaultAcceptLanes } from '@ferry/core/node';
import { SettingsError } from './settings-error.js';

/** Where and how a Ferry server listens, as given in code or on the command line. */
export interface ListenInput {
  /** Port to listen on; 0 picks a free one. Default: `PORT`, else 8787. */
  port?: number | undefined;
  /** Interface to listen on. Default: `HOST`, else 127.0.0.1 (this machine only). */
  host?: string | undefined;
  /** How long `close()` lets in-flight requests finish. Default: `FERRY_SHUTDOWN_GRACE_MS`, else 10 s. */
  shutdownGraceMs?: number | undefined;
  /**
   * Extra listeners on the same socket, so a saturated server lets in more than one new
   * connection per event-loop iteration (see `acceptLanes` in `@ferry/core/node`); 0 turns them
   * off. Default: `FERRY_ACCEPT_LANES`, else 15.
   */
  acceptLanes?: number | undefined;
}

/** The listen settings with every default applied. */
export interface ListenSettings {
  port: number;
  host: string;
  shutdownGraceMs: number;
  acceptLanes: number;
}

const maxAcceptLanes = 256;

const defaultPort = 8787;
const defaultShutdownGraceMs = 10_000;

/**
 * Resolves the listen settings: what is given wins, then `PORT`, `HOST` and
 * `FERRY_SHUTDOWN_GRACE_MS`, then the defaults. A value that is not a whole number in range is a
 * `SettingsError` naming where it came from.
 *
 * @example
 * listenSettings({ port: 0 }, { HOST: '0.0.0.0' }); // { port: 0, host: '0.0.0.0', shutdownGraceMs: 10000, acceptLanes: 15 }
 */
export function listenSettings(input: ListenInput, environment: NodeJS.ProcessEnv): ListenSettings {
  const port = input.port ?? wholeNumber(environment.PORT, 'PORT', defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SettingsError(`the port must be a number from 0 to 65535, not ${port}`);
  }
  const shutdownGraceMs =
    input.shutdownGraceMs ??
    wholeNumber(environment.FERRY_SHUTDOWN_GRACE_MS, 'FERRY_SHUTDOWN_GRACE_MS', defaultShutdownGraceMs);
  const host = input.host ?? (environment.HOST || '127.0.0.1');
  const acceptLanes =
    input.acceptLanes ??
    wholeNumber(environment.FERRY_ACCEPT_LANES, 'FERRY_ACCEPT_LANES', defaultAcceptLanes);
  if (!Number.isInteger(acceptLanes) || acceptLanes < 0 || acceptLanes > maxAcceptLanes) {
    throw new SettingsError(
      `FERRY_ACCEPT_LANES must be a number from 0 to ${maxAcceptLanes}, not ${acceptLanes}`,
    );
  }
  return { port, host, shutdownGraceMs, acceptLanes };
}

/** A variable that holds a whole number, or the fallback when it is unset or empty. */
function wholeNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) {
    const what =
      name === 'PORT'
        ? 'a port number'
        : name === 'FERRY_ACCEPT_LANES'
          ? 'a whole number'
          : 'a whole number of milliseconds';
    throw new SettingsError(`${name} must be ${what}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}
