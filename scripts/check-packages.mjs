#!/usr/bin/env node
// Checks what every public (non-private) workspace package would publish: builds it from a clean
// `dist`, packs it with `pnpm pack` (so `workspace:*` is rewritten as on publish), and fails when
// the tarball
//   - contains test code (`*.test.*`, `testing/`, test helpers, fixtures), except a `testing`
//     directory that `exports` publishes on purpose;
//   - has a JavaScript or declaration file importing a package that is not in its
//     `dependencies`, `peerDependencies` or `optionalDependencies` (a devDependency, say), or a
//     relative file that is not in the tarball;
//   - has public declarations whose types come from an `@types/*` package it lists only as a
//     devDependency;
//   - fails publint (strict) or Are The Types Wrong (`esm-only` profile: the packages are ESM only).
// Usage: node scripts/check-packages.mjs [package-name ...]   (default: every public package)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const binDir = join(root, 'node_modules', '.bin');

const run = (command, args, options = {}) =>
  execFileSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Public workspace packages, as pnpm sees them. */
const publicPackages = () =>
  JSON.parse(run('pnpm', ['ls', '-r', '--depth', '-1', '--json']))
    .filter((entry) => !entry.private)
    .map((entry) => ({
      name: entry.name,
      dir: entry.path,
      manifest: readJson(join(entry.path, 'package.json')),
    }));

// A path segment or file name that marks test-only code.
const testDirectory = /(^|\/)(testing|test|tests|__tests__|__mocks__|fixtures|__fixtures__)\//;
const testFileStem = /(^|[-_.])(test|tests|spec|fixture|fixtures)([-_.]|$)/;
const stemOf = (path) => posix.basename(path).replace(/(\.d)?\.[cm]?[jt]sx?(\.map)?$/, '');

/** Directories that `exports` publishes under a `testing` subpath: intended, so allowed. */
const publicTestingDirectories = (manifest) => {
  const directories = [];
  const targets = (value) =>
    typeof value === 'string'
      ? [value]
      : value && typeof value === 'object'
        ? Object.values(value).flatMap(targets)
        : [];
  for (const [key, value] of Object.entries(manifest.exports ?? {})) {
    if (!/testing/.test(key)) continue;
    for (const target of targets(value)) directories.push(`${posix.dirname(posix.normalize(target))}/`);
  }
  return directories;
};

const testFiles = (files, manifest) => {
  const allowed = publicTestingDirectories(manifest);
  return files.filter((file) => {
    if (allowed.some((directory) => file.startsWith(directory))) return false;
    return testDirectory.test(file) || testFileStem.test(stemOf(file));
  });
};

const codeFile = /\.[cm]?js$|\.d\.[cm]?ts$/;
const builtins = new Set(builtinModules);

/** `lodash/fp` → `lodash`, `@scope/name/sub` → `@scope/name`. */
const packageNameOf = (specifier) => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

/** Module specifiers a file imports, read by TypeScript's scanner (comments and strings ignored). */
const importsOf = (text) => {
  const info = ts.preProcessFile(text, true, true);
  return [...info.importedFiles, ...info.typeReferenceDirectives].map((reference) => reference.fileName);
};

/** Files a relative specifier may name once compiled (`./x.js` is typed by `./x.d.ts`). */
const candidatesFor = (from, specifier) => {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (!from.endsWith('.d.ts')) return [target, `${target}/index.js`];
  const stem = target.replace(/\.[cm]?js$/, '');
  return [`${stem}.d.ts`, target, `${target}.d.ts`, `${target}/index.d.ts`];
};

const importProblems = (files, extracted, manifest) => {
  const runtime = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const packed = new Set(files);
  const problems = [];
  const graph = new Map();
  for (const file of files.filter((name) => codeFile.test(name))) {
    const specifiers = importsOf(readFileSync(join(extracted, file), 'utf8'));
    graph.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        if (!candidatesFor(file, specifier).some((candidate) => packed.has(candidate))) {
          problems.push(`${file} imports ${specifier}, which is not in the tarball`);
        }
        continue;
      }
      if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
      const name = packageNameOf(specifier);
      if (runtime.has(name)) continue;
      const kind = manifest.devDependencies?.[name] ? 'a devDependency' : 'not a dependency';
      problems.push(`${file} imports ${specifier}: ${name} is ${kind}`);
    }
  }
  return { problems, graph };
};

/** Declaration files reachable from the `types` entry points (what a consumer's compiler reads). */
const reachableDeclarations = (manifest, graph, packed) => {
  const entries = [];
  const collect = (value, condition) => {
    if (typeof value === 'string') {
      if (condition === 'types' || value.endsWith('.d.ts')) entries.push(posix.normalize(value));
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) collect(inner, key.startsWith('.') ? condition : key);
    }
  };
  collect(manifest.exports ?? {}, undefined);
  if (manifest.types) entries.push(posix.normalize(manifest.types));
  const seen = new Set();
  const queue = entries.filter((entry) => packed.has(entry));
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of graph.get(file) ?? []) {
      if (!specifier.startsWith('.')) continue;
      const next = candidatesFor(file, specifier).find((candidate) => packed.has(candidate));
      if (next) queue.push(next);
    }
  }
  return seen;
};

const shipsOwnTypes = (packageDir) => {
  const manifestPath = join(packageDir, 'package.json');
  if (!existsSync(manifestPath)) return false;
  const manifest = readJson(manifestPath);
  if (manifest.types || manifest.typings) return true;
  if (JSON.stringify(manifest.exports ?? {}).includes('"types"')) return true;
  return existsSync(join(packageDir, 'index.d.ts'));
};

/** A public declaration importing `x` whose types are `@types/x`, listed only as a devDependency. */
const declarationTypeProblems = (pkg, graph, packed) => {
  const problems = [];
  for (const file of reachableDeclarations(pkg.manifest, graph, packed)) {
    for (const specifier of graph.get(file) ?? []) {
      if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
      const name = packageNameOf(specifier);
      const typesName = `@types/${name.replace(/^@/, '').replace('/', '__')}`;
      if (!pkg.manifest.devDependencies?.[typesName]) continue;
      if (pkg.manifest.dependencies?.[typesName] || pkg.manifest.peerDependencies?.[typesName]) continue;
      if (shipsOwnTypes(join(pkg.dir, 'node_modules', name))) continue;
      problems.push(`${file} imports ${specifier}, typed by ${typesName}, which is only a devDependency`);
    }
  }
  return problems;
};

const tool = (name, args) => {
  const result = spawnSync(join(binDir, name), args, { cwd: root, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
};

const indent = (text) => text.replace(/^/gm, '    ');

const checkPackage = (pkg, workDir) => {
  const destination = join(workDir, pkg.name.replace('@', '').replace('/', '-'));
  mkdirSync(destination, { recursive: true });
  const packed = JSON.parse(
    run('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: pkg.dir }),
  );
  const tarball = packed.filename;
  const files = packed.files.map((entry) => posix.normalize(entry.path)).sort();
  const extracted = join(destination, 'contents');
  mkdirSync(extracted);
  run('tar', ['-xzf', tarball, '-C', extracted, '--strip-components=1']);

  console.log(`\n${pkg.name}: ${files.length} files`);
  for (const file of files.filter((name) => !name.endsWith('.map'))) console.log(`    ${file}`);

  const failures = [];
  for (const file of testFiles(files, pkg.manifest)) failures.push(`test code in the tarball: ${file}`);
  const { problems, graph } = importProblems(files, extracted, pkg.manifest);
  failures.push(...problems, ...declarationTypeProblems(pkg, graph, new Set(files)));

  const publint = tool('publint', ['run', tarball, '--strict']);
  if (!publint.ok) failures.push(`publint:\n${indent(publint.output)}`);
  const attw = tool('attw', [tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii']);
  if (!attw.ok) failures.push(`attw:\n${indent(attw.output)}`);
  return failures;
};

const main = () => {
  const wanted = process.argv.slice(2);
  const packages = publicPackages().filter((pkg) => wanted.length === 0 || wanted.includes(pkg.name));
  if (packages.length === 0) {
    console.error(`no public packages${wanted.length > 0 ? ` named ${wanted.join(', ')}` : ''}`);
    process.exit(1);
  }
  // A clean dist, built now (`--force`: a cached build may hold files an earlier build left), so
  // nothing stale is packed.
  for (const pkg of packages) rmSync(join(pkg.dir, 'dist'), { recursive: true, force: true });
  const filters = packages.map((pkg) => `--filter=${pkg.name}...`);
  run('pnpm', ['exec', 'turbo', 'run', 'build', '--force', ...filters, '--output-logs=errors-only'], {
    stdio: 'inherit',
  });

  const workDir = mkdtempSync(join(tmpdir(), 'ferry-pack-'));
  let failed = 0;
  try {
    for (const pkg of packages) {
      const failures = checkPackage(pkg, workDir);
      if (failures.length === 0) {
        console.log(`  ok: ${pkg.name}`);
        continue;
      }
      failed += 1;
      console.log(`  FAILED: ${pkg.name}`);
      for (const failure of failures) console.log(`  - ${failure}`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  if (failed > 0) {
    console.error(`\n${failed} of ${packages.length} packages would publish with problems`);
    process.exit(1);
  }
  console.log(`\nall ${packages.length} public packages pack cleanly`);
};

main();
