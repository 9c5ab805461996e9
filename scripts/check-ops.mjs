#!/usr/bin/env node
// Checks the shipped Grafana dashboard and Prometheus alerting rules:
//  1. `promtool check rules` and `promtool test rules` (promtool comes with Debian's
//     `prometheus` package: `apt-get install -y prometheus`);
//  2. every metric name their PromQL uses is one a Ferry gateway exports. The exported names
//     come from a real gateway (metrics and process metrics on, built from source through tsx)
//     rendering its registry, not from a list kept by hand. Histogram and summary series may
//     carry _bucket, _sum and _count; counters and gauges may not.
// Before the real files it checks itself on a dashboard and rules with a made-up metric, so a
// broken extractor cannot pass everything. Usage: node scripts/check-ops.mjs [--dashboard f] [--rules f]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// PromQL words that look like metric names but are not.
const keywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);

/** Metric names a PromQL expression (or a Grafana `label_values(...)` query) selects. */
export function metricNamesInPromQL(expression) {
  let text = expression.trim();
  const labelValues = /^label_values\((.*)\)$/s.exec(text);
  if (labelValues) {
    const args = labelValues[1];
    const comma = args.lastIndexOf(',');
    if (comma === -1) return []; // label_values(label): no metric
    text = args.slice(0, comma);
  }
  if (text.includes('__name__')) throw new Error(`selectors by __name__ are not checked: ${expression}`);
  text = text
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings first: they may hold { } [ ]
    .replace(/\{[^{}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries ($__rate_interval included)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // Grafana variables elsewhere
  const names = new Set();
  // Numbers and durations (5m, 1e3, 0.99) first, so their letters are not read as names.
  const token = /(\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|s|m|h|d|w|y)?)|([A-Za-z_:][\w:]*)(\s*\()?/gi;
  for (const match of text.matchAll(token)) {
    if (match[1] !== undefined || match[3] !== undefined) continue; // a number, or a function call
    if (keywords.has(match[2].toLowerCase())) continue;
    names.add(match[2]);
  }
  return [...names];
}

/** Every PromQL expression of a dashboard: panel targets (rows included) and query variables. */
export function dashboardExpressions(dashboard) {
  const found = [];
  const walk = (value) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      if (typeof value.expr === 'string') found.push(value.expr);
      for (const [key, child] of Object.entries(value)) if (key !== 'templating') walk(child);
    }
  };
  walk(dashboard.panels ?? []);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (typeof query === 'string' && query !== '') found.push(query);
  }
  return found;
}

/**
 * The `expr` of every rule in a rules file: one-line scalars (plain or quoted) and `|`/`>` block
 * scalars. promtool has already validated the YAML; the count of rules found is compared with
 * the count of `alert:`/`record:` entries so an expression this reader cannot see fails loudly.
 */
export function ruleExpressions(text) {
  const lines = text.split('\n');
  const found = [];
  for (let index = 0; index < lines.length; index++) {
    const match = /^(\s*)(?:-\s+)?expr:\s*(.*)$/.exec(lines[index]);
    if (!match) continue;
    const indent = match[1].length;
    let value = match[2].replace(/\s+#.*$/, '').trim();
    if (/^[|>][+-]?$/.test(value)) {
      const block = [];
      while (
        index + 1 < lines.length &&
        (lines[index + 1].trim() === '' || lines[index + 1].search(/\S/) > indent)
      ) {
        block.push(lines[++index]);
      }
      value = block.join('\n');
    } else if (/^'.*'$/.test(value)) value = value.slice(1, -1).replaceAll("''", "'");
    else if (/^".*"$/.test(value)) value = JSON.parse(value);
    if (value.trim() === '') throw new Error(`rules line ${index + 1}: an expr this check cannot read`);
    found.push(value);
  }
  const rules = lines.filter((line) => /^\s*-\s+(alert|record):/.test(line)).length;
  if (rules !== found.length) throw new Error(`${rules} rules but ${found.length} expressions read`);
  return found;
}

/** The series names a gateway exports: `{ name → type }` from its rendered registry. */
export async function exportedMetrics() {
  const { tsImport } = await import('tsx/esm/api');
  const core = await tsImport('../packages/core/src/index.ts', import.meta.url);
  const gateway = core.createGateway({
    upstream: { url: 'https://api.openai.com/v1', apiKey: 'sk-check-ops' },
    metrics: { defaultMetrics: true },
    breaker: {},
    logger: false,
  });
  try {
    const exposition = await gateway.metrics.render();
    const types = new Map();
    for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1], match[2]);
    return types;
  } finally {
    await gateway.close();
  }
}

/** Names not exported: a histogram's or summary's _bucket/_sum/_count count as exported. */
export function unknownMetrics(expressions, exported) {
  const unknown = new Set();
  for (const expression of expressions) {
    for (const name of metricNamesInPromQL(expression)) {
      if (exported.has(name)) continue;
      const base = /^(.*)_(bucket|sum|count)$/.exec(name);
      const type = base ? exported.get(base[1]) : undefined;
      const suffixOk = base && (type === 'histogram' || (type === 'summary' && base[2] !== 'bucket'));
      if (!suffixOk) unknown.add(name);
    }
  }
  return [...unknown].sort();
}

/** Proves on known inputs that the check catches a made-up metric and reads what it should. */
function selfCheck(exported) {
  const problems = [];
  const same = (actual, expected, what) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  };
  same(
    metricNamesInPromQL(
      'histogram_quantile(0.99, sum by (le, upstream) (rate(ferry_upstream_first_byte_seconds_bucket{le=~"1|1\\\\.0", job="$job"}[$__rate_interval]))) > 0.8 and on (job) ferry_requests_in_flight offset 5m > 1e3',
    ),
    ['ferry_upstream_first_byte_seconds_bucket', 'ferry_requests_in_flight'],
    'names in an expression',
  );
  const madeUpDashboard = {
    panels: [
      {
        type: 'row',
        panels: [{ targets: [{ expr: 'sum(rate(ferry_made_up_metric_total{job="$job"}[5m]))' }] }],
      },
      {
        targets: [
          { expr: 'sum(rate(ferry_requests_total[5m])) / sum(rate(ferry_requests_total_count[5m]))' },
        ],
      },
    ],
    templating: {
      list: [{ type: 'query', query: { query: 'label_values(ferry_invented_gauge, upstream)' } }],
    },
  };
  same(
    unknownMetrics(dashboardExpressions(madeUpDashboard), exported),
    ['ferry_invented_gauge', 'ferry_made_up_metric_total', 'ferry_requests_total_count'],
    'a dashboard with made-up metrics',
  );
  const madeUpRules = [
    'groups:',
    '  - name: x',
    '    rules:',
    '      - alert: A',
    '        expr: |',
    '          sum(rate(ferry_request_duration_seconds_bucket[5m]))',
    '            / sum(rate(ferry_imaginary_seconds_count[5m]))',
    '      - alert: B',
    "        expr: 'ferry_breaker_state == 1'",
  ].join('\n');
  same(
    unknownMetrics(ruleExpressions(madeUpRules), exported),
    ['ferry_imaginary_seconds_count'],
    'rules with a made-up metric',
  );
  return problems;
}

function promtool(args, cwd) {
  const result = spawnSync('promtool', args, { cwd, stdio: 'inherit' });
  if (result.error?.code === 'ENOENT') {
    console.error(
      'check-ops: promtool is not installed. On Debian/Ubuntu: apt-get update && apt-get install -y prometheus',
    );
    return false;
  }
  return result.status === 0;
}

async function main() {
  const argument = (flag, fallback) => {
    const at = process.argv.indexOf(flag);
    return resolve(root, at === -1 ? fallback : process.argv[at + 1]);
  };
  const dashboardFile = argument('--dashboard', 'ops/grafana/ferry-dashboard.json');
  const rulesFile = argument('--rules', 'ops/prometheus/ferry-alerts.yml');
  const rulesTests = join(dirname(rulesFile), `${basename(rulesFile, '.yml')}.test.yml`);
  let ok = true;

  ok = promtool(['check', 'rules', relative(root, rulesFile)], root) && ok;
  if (ok && process.argv.indexOf('--rules') === -1)
    ok = promtool(['test', 'rules', basename(rulesTests)], dirname(rulesTests)) && ok;

  const exported = await exportedMetrics();
  const selfProblems = selfCheck(exported);
  if (selfProblems.length > 0) {
    console.error(
      `check-ops: the self-check failed, so the metric check cannot be trusted:\n  ${selfProblems.join('\n  ')}`,
    );
    process.exit(1);
  }

  for (const [label, expressions] of [
    [relative(root, dashboardFile), dashboardExpressions(JSON.parse(readFileSync(dashboardFile, 'utf8')))],
    [relative(root, rulesFile), ruleExpressions(readFileSync(rulesFile, 'utf8'))],
  ]) {
    const empty = expressions.filter((expression) => metricNamesInPromQL(expression).length === 0);
    const unknown = unknownMetrics(expressions, exported);
    if (unknown.length > 0) {
      ok = false;
      console.error(`check-ops: ${label} uses metrics Ferry does not export: ${unknown.join(', ')}`);
    }
    if (empty.length > 0) {
      ok = false;
      console.error(`check-ops: ${label} has expressions with no metric: ${empty.join(' | ')}`);
    }
    const names = new Set(expressions.flatMap(metricNamesInPromQL));
    console.log(
      `check-ops: ${label}: ${expressions.length} expressions, ${names.size} metric names, ${unknown.length} unknown`,
    );
  }
  if (!ok) process.exit(1);
  console.log(`check-ops: ok (${exported.size} metrics exported by a gateway)`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
