#!/usr/bin/env node
// Runs every *.test.ts / *.test.js below the given folders with node:test through tsx.
// Node 20's `--test` does not expand globs, so the file list is collected here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2);
const files = [];
const walk = (directory) => {
  for (const name of readdirSync(directory)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(directory, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.test\.(ts|js|mjs)$/.test(name)) files.push(path);
  }
};
for (const root of roots) walk(root);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
files.sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=60000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
