// @ts-check
export { gatewayOptionsFrom, hasUpstream } from './gateway-options.js';
export { runFromCommandLine } from './run-from-command-line.js';
export { startStarter } from './start-starter.js';

/** @typedef {import('./start-starter.js').StartSettings} StartSettings */
/** @typedef {import('./start-starter.js').RunningServer} RunningServer */
