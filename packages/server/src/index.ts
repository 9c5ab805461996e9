/**
 * `@ferry/server`: the standalone Ferry gateway (the `ferry` command) and the pieces every Ferry
 * server shares — options from a config file and `FERRY_*` variables, the in-process mock when
 * no upstream is set, listening, start-up lines, graceful shutdown, running as a program.
 */

export { closeGracefully } from './close-gracefully.js';
export { type CommandLine, commandLine, usage } from './command-line.js';
export { gatewayOptionsFrom, hasUpstream } from './gateway-options.js';
export { type ListenInput, type ListenSettings, listenSettings } from './listen-settings.js';
export { exitCodes, runFromCommandLine } from './run-from-command-line.js';
export { type RunningServer, type ServedApp, type StartSettings, serveGateway } from './serve-gateway.js';
export { SettingsError } from './settings-error.js';
export { startFerryServer } from './start-ferry-server.js';
