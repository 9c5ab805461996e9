// @ts-check
// Runs the starter as a program; `startServer` (start-server.js) is the same thing as a function.
import { runFromCommandLine } from '@ferry/example-starter-kit';
import { startServer } from './start-server.js';

await runFromCommandLine(() => startServer({ environment: process.env }));
