/**
 * A start-up setting that is not usable: a command-line flag, `PORT`, `HOST`,
 * `FERRY_SHUTDOWN_GRACE_MS`. Like a `GatewayOptionsError`, it is the operator's to fix, so the
 * command prints its message alone and exits 2.
 *
 * @example
 * throw new SettingsError('PORT must be a port number, not "eighty"');
 */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}
